package pekkochat.client;

import java.util.Locale;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import pekkochat.protocol.Frames;
import pekkochat.protocol.Outbound;

/**
 * What a line the user types in the chat does (once joined and the protocol known): a command the
 * client answers itself ({@link LocalCommands}), a file command for {@link FileDesk}, or TEXT for
 * the server, routed to the conversation in view; and the keys that switch conversations. Every
 * line's {@code ackTo} is told once it is handled (for TEXT: once queued), so the next one is
 * read only then.
 *
 * <p>Not thread-safe: owned by the client actor; its {@link Chatting} phase hands it the lines (a
 * line typed before the chat has started waits there).
 */
final class ChatLines {

  private final Screen screen;
  private final Display display;
  private final BooleanSupplier extended;
  private final Consumer<FileDesk.Command> files;
  private final BiConsumer<Outbound, ActorRef<Client.Ack>> offer;
  private final Outbox outbox;
  private final BooleanSupplier canPost;

  /**
   * @param extended whether the server speaks the extended protocol
   * @param files where file commands go
   * @param offer queues a frame; its {@code ackTo} (may be null) is told once it is queued
   * @param outbox makes the {@code /post} of a room line, when {@code canPost} (the server
   *     offers {@code post})
   */
  ChatLines(
      Screen screen,
      Display display,
      BooleanSupplier extended,
      Consumer<FileDesk.Command> files,
      BiConsumer<Outbound, ActorRef<Client.Ack>> offer,
      Outbox outbox,
      BooleanSupplier canPost) {
    this.screen = screen;
    this.display = display;
    this.extended = extended;
    this.files = files;
    this.offer = offer;
    this.outbox = outbox;
    this.canPost = canPost;
  }

  /**
   * Handles a line; returns whether it was {@code /quit} (acknowledged already): the caller says
   * goodbye to the server.
   */
  boolean onLine(String line, ActorRef<Client.Ack> ackTo) {
    String trimmed = line.strip();
    Optional<LocalCommands.Local> local = LocalCommands.parse(trimmed, extended.getAsBoolean());
    if (trimmed.isEmpty()) {
      ackTo.tell(Client.Ack.INSTANCE);
    } else if (trimmed.equals("/quit")) {
      ackTo.tell(Client.Ack.INSTANCE);
      return true;
    } else if (trimmed.equals("/send") || trimmed.startsWith("/send ")) {
      files.accept(new FileDesk.Send(trimmed.substring("/send".length()).strip(), extended.getAsBoolean(), ackTo));
    } else if (isCommand(trimmed, "/accept") || isCommand(trimmed, "/decline") || isCommand(trimmed, "/cancel")) {
      files.accept(new FileDesk.TransferCommand(trimmed, extended.getAsBoolean(), ackTo));
    } else if (screen.inPrivate() && trimmed.toLowerCase(Locale.ROOT).startsWith("/me ")) {
      screen.error(display.stamp("/me is for rooms: the server sends no actions in private conversations."));
      ackTo.tell(Client.Ack.INSTANCE);
    } else if (local.isPresent()) {
      onLocalCommand(local.get(), line, ackTo);
    } else {
      send(line, ackTo);
    }
    return false;
  }

  /**
   * Sends a line or command as TEXT, to the partner of the private conversation in view if it is
   * one; a room line or action (which no server sends back to its sender) is printed locally as
   * others see it. With a server that offers {@code /post}, a room line or action goes as {@code
   * /post <id> <#room> <text>} to the room it is typed in, kept by the {@link Outbox} until the
   * server says it is stored.
   */
  void send(String line, ActorRef<Client.Ack> ackTo) {
    String routed = screen.route(line);
    if (routed.toLowerCase(Locale.ROOT).startsWith("/join ")) {
      screen.joining(routed.substring("/join ".length()).strip());
    }
    Outbound frame = Frames.text(routed);
    if (routed.equals(line) && Outbox.isRoomLine(line) && canPost.getAsBoolean() && !screen.postRoom().isEmpty()) {
      frame = outbox.post(screen.postRoom(), line);
    }
    offer.accept(frame, ackTo);
    if (routed.equals(line)) {
      screen.own(line);
    }
  }

  /** Alt-digit, Ctrl-N, Ctrl-P: another conversation in view (with an extended server only). */
  void onSwitchKey(Console.Key key) {
    if (!extended.getAsBoolean()) {
      return;
    }
    Optional<String> join =
        key instanceof Console.SwitchTo to ? screen.switchTo(to.number()) : screen.cycle(((Console.Cycle) key).step());
    join.ifPresent(line -> offer.accept(Frames.text(line), null));
  }

  /** A command the client answers itself (or checks before it goes). */
  private void onLocalCommand(LocalCommands.Local local, String line, ActorRef<Client.Ack> ackTo) {
    if (local instanceof LocalCommands.Refused refused) {
      screen.error(display.stamp(refused.reason()));
    } else if (local instanceof LocalCommands.Help help) {
      screen.notice(display.stamp(help.text()));
      if (help.alsoAskServer()) {
        offer.accept(Frames.text(line), ackTo);
        return;
      }
    } else if (local instanceof LocalCommands.Query query) {
      screen.query(query.nick());
      if (!query.text().isEmpty()) {
        send("/msg " + query.nick() + " " + query.text(), ackTo);
        return;
      }
    } else if (local instanceof LocalCommands.Close) {
      screen.closeInView().ifPresent(why -> screen.error(display.stamp(why)));
    } else if (local == LocalCommands.Cancel.INSTANCE) {
      // As before the split: answered the original protocol's way, whichever the server speaks.
      files.accept(new FileDesk.TransferCommand("/cancel", false, ackTo));
      return;
    }
    ackTo.tell(Client.Ack.INSTANCE);
  }

  private static boolean isCommand(String line, String command) {
    return line.equals(command) || line.startsWith(command + " ");
  }
}
