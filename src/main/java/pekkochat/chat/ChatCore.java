package pekkochat.chat;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * Where a session finds the chat core: the rooms registry, the nick registry, the file service
 * that hears of file announcements ({@link FileAnnounced}), the accounts registry, the stored private messages, and the core's
 * settings. One per server (later: per node, with sharded rooms behind the same references).
 */
public record ChatCore(
    ActorRef<Rooms.Command> rooms, ActorRef<Users.Command> users, ActorRef<FileAnnounced> files,
    ActorRef<pekkochat.account.Accounts.Command> accounts, ActorRef<PrivateMessages.Command> privates, ChatSettings settings) {}
