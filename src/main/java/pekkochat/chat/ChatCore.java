package pekkochat.chat;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * Where a session finds the chat core: the rooms registry and the nick registry, with the core's
 * settings. One per server (later: per node, with sharded rooms behind the same references).
 */
public record ChatCore(ActorRef<Rooms.Command> rooms, ActorRef<Users.Command> users, ChatSettings settings) {}
