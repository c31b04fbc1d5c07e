package pekkochat.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import pekkochat.account.AccountSettings;
import pekkochat.account.Accounts;
import pekkochat.chat.ChatCore;
import pekkochat.chat.Nicks;
import pekkochat.chat.PrivateMessages;
import pekkochat.chat.Room;
import pekkochat.chat.RoomEvent;
import pekkochat.chat.RoomNames;
import pekkochat.chat.Rooms;
import pekkochat.chat.ToUser;
import pekkochat.chat.Users;
import pekkochat.config.ServerSettings;
import pekkochat.files.Spool;
import pekkochat.files.SpoolFile;
import pekkochat.protocol.Event;
import pekkochat.protocol.FramingError;
import pekkochat.protocol.Message;
import pekkochat.protocol.Transfer;

/**
 * One connected user, whatever carries its bytes: it reads the user's messages (with
 * backpressure: one at a time, acknowledged when handled), speaks to the chat core for them, and
 * decides what of the core's events the user gets, which its {@link ClientPort} then puts on the
 * wire. One behavior per state: {@link #awaitingJoin}, {@link #joined}, {@link #closing}.
 *
 * <p>Before JOIN only JOIN is accepted. A JOIN claims the nick ({@link Users}), then enters the
 * default room; the welcome goes out when the room has answered, so nothing of the room can
 * overtake it. Once joined, plain lines go to the active room, commands ({@link CommandLine}) are
 * answered or passed on, and a FILE goes to an {@link Upload} child. Ending, for whatever reason,
 * stops this actor: rooms and the nick registry watch it, so every room it was in is told once.
 */
public final class Session {

  /** What a session handles. */
  public sealed interface Command {}

  /** Send {@code notice} and close (server shutdown). */
  public record Close(String notice) implements Command {}

  /** The acknowledgement the inbound stream waits for before sending the next message. */
  enum Ack {
    INSTANCE
  }

  private record StreamStarted(ActorRef<Ack> ackTo) implements Command {}

  private record Received(Message message, ActorRef<Ack> ackTo) implements Command {}

  private enum InboundCompleted implements Command {
    INSTANCE
  }

  private record InboundFailed(Throwable cause) implements Command {}

  private enum OutboundClosed implements Command {
    INSTANCE
  }

  private record FromChat(ToUser message) implements Command {}

  private record RoomStopped(String key, ActorRef<Room.Command> ref) implements Command {}

  /** An answer of the accounts registry (see the accounts section below). */
  private record FromAccounts(Accounts.Reply reply) implements Command {}

  /** The time to log in to registered nick {@code key} is over. */
  private record LoginGraceOver(String key) implements Command {}

  /**
   * From the {@link Upload}: FILE frames of {@code file} to original recipients can begin (the
   * lead-time moment, or the upload is complete). Extended recipients were offered it already.
   */
  record UploadRelayable(String fileName, SpoolFile file) implements Command {}

  /**
   * From the port: a FILE frame this (original-protocol) connection was holding back until its
   * upload got near its end may now be queued, behind whatever was sent before.
   */
  public record FileFrameReady(long delivery) implements Command {}

  /**
   * From the {@link Upload}: it ended; {@code error} for the sender if it failed and should be
   * told. {@code transferId} is the XFER upload's id, or {@link Upload#FILE_FRAME} for a FILE.
   */
  record UploadEnded(long transferId, String fileName, String error, boolean complete) implements Command {}

  /** From the port: file {@code id} was offered to this (extended) user; its answer is awaited. */
  public record TransferOffered(long id) implements Command {}

  /** From the port: the upload of offered file {@code id} failed before this user answered. */
  public record TransferWithdrawn(long id, String why) implements Command {}

  private record OfferTimedOut(long id) implements Command {}

  /** A recipient of this user's XFER upload {@code id} answered, or its transfer ended. */
  record TransferResponse(long id, String who, String outcome) implements Command {}


  record UploadChildStopped(ActorRef<Upload.Command> child) implements Command {}

  private enum CloseTimedOut implements Command {
    INSTANCE
  }

  private enum JoinTimedOut implements Command {
    INSTANCE
  }

  private enum IdleTimedOut implements Command {
    INSTANCE
  }

  private enum FloodWaitOver implements Command {
    INSTANCE
  }

  /** The core did not answer a request in time (a room stopped meanwhile): read on anyway. */
  private enum ForwardingOver implements Command {
    INSTANCE
  }

  private enum ReplyTimedOut implements Command {
    INSTANCE
  }

  private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(5);

  /** How the session reaches its user: the transport opens a port for a given inbound sink. */
  public interface Transport {
    /** A description of the peer for logs (its address). */
    String peer();

    /**
     * Starts the connection's streams: inbound messages go into {@code inbound}; file deliveries
     * report to {@code session}. Returns the port and, as its second
     * part, completion of the outbound side.
     */
    Opened open(Sink<Message, NotUsed> inbound, ActorRef<Command> session);
  }

  /** An opened transport: the port, and when its outbound side has ended. */
  public record Opened(ClientPort port, CompletionStage<Done> outboundDone) {}

  /** A room this user is in; {@code joinedSeq} is also its id in the room's events. */
  private record Membership(String name, ActorRef<Room.Command> ref, long joinedSeq) {}

  /** The original's four lines, exactly, then ours. */
  public static final String HELP =
      String.join(
          "\n",
          "[Server] Commands:",
          "/users - List online users",
          "/send <filepath> - Send a file",
          "/quit - Disconnect",
          "/join <room> - Join a room (created if new) and make it your active room",
          "/part [<room>] - Leave a room (the active one by default)",
          "/rooms - List rooms with their users and topics",
          "/users <room> - List the users of a room you are in",
          "/topic [<text>] - Show or set the active room's topic (/topic - clears it)",
          "/history [<room>] [<n>] [before <id>] - Show a room's last n lines, or those before line id",
          "/history @<nick> [<n>] [before <id>] - Show your private conversation with nick (logged in only)",
          "/msg <nick> <text> - Send a private message (a registered nick offline gets it when it logs in)",
          "/me <action> - Say what you are doing",
          "/nick <new name> - Change your name",
          "/away [<text>] - Mark yourself away (no text: back)",
          "/sendto <nick> - Your next /send goes to that user only (otherwise: the active room)",
          "/register <password> - Reserve your current nick: others using it must log in or are renamed",
          "/login <nick> <password> - Log in to a registered nick (and take it, if you go by another)",
          "/password <old> <new> - Change the password of the nick you are logged in to");

  public static final String WELCOME = "Welcome! Type /help for commands.";

  static final String UNKNOWN_COMMAND = "Unknown command. Type /help.";

  private static final int RECENT_NICK_CHANGES = 64;

  /** {@code /rooms} lists the biggest rooms up to this many (a full list of 10,000 is megabytes). */
  static final int MAX_ROOMS_LISTED = 100;

  public static Behavior<Command> create(Transport transport, ChatCore core, Spool spool, ServerSettings settings) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> {
                  Opened opened;
                  try {
                    opened = transport.open(inboundSink(context.getSelf()), context.getSelf());
                  } catch (RuntimeException e) {
                    // Never let one connection's failure reach the binding: this session alone ends.
                    context.getLog().error("Could not start session for {}", transport.peer(), e);
                    return Behaviors.stopped();
                  }
                  context.pipeToSelf(opened.outboundDone(), (done, failure) -> OutboundClosed.INSTANCE);
                  return new Session(context, timers, transport.peer(), opened.port(), core, spool, settings).awaitingJoin();
                }));
  }

  private static Sink<Message, NotUsed> inboundSink(ActorRef<Command> self) {
    return ActorSink.<Message, Command, Ack>actorRefWithBackpressure(
        self,
        (ackTo, message) -> new Received(message, ackTo),
        StreamStarted::new,
        Ack.INSTANCE,
        InboundCompleted.INSTANCE,
        InboundFailed::new);
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final String peer;
  private final ClientPort port;
  private final ChatCore core;
  private final ServerSettings settings;
  private final ActorRef<ToUser> inbox;
  private final ActorRef<Accounts.Reply> accountsInbox;
  private final AccountSettings accountSettings;
  private final TokenBucket flood;
  private final Uploads uploads;
  private final int maxLineBytes;

  private String nick;
  private String away = "";
  /** The ack held while the core answers a JOIN. */
  private ActorRef<Ack> pendingAck;
  private ActorRef<Ack> floodHeldAck;
  private boolean floodLogged;
  /** The rooms this user is in, by key (for what the user types) ... */
  private final Map<String, Membership> rooms = new LinkedHashMap<>();
  /**
   * ... and by the exact name the room calls itself, for what the core sends: a key is a
   * confusable skeleton (ICU), too dear to compute for every batch.
   */
  private final Map<String, Membership> roomsByName = new java.util.HashMap<>();
  /** The key of the active room, where plain lines go; null when in no room. */
  private String active;
  private final Set<Long> recentNickChanges = new LinkedHashSet<>();
  /**
   * What the message being handled costs in flood control: 1, or for a command that fans out to
   * every room the user is in ({@code /nick}, {@code /away}), one per room.
   */
  private int floodCost = 1;

  /** Set by a command that asks the core something; its ack then waits in {@link #replyHeldAck}. */
  private boolean awaitingReply;
  private ActorRef<Ack> replyHeldAck;
  /** The private events sent as such (extended), counted and the latest kept, for a resume of this connection. */
  private final PrivateDeliveries privateDeliveries;
  /**
   * What the connection this one resumed handed over, until sent (after the welcome, see
   * flushMissedPrivates); null: nothing held. Private messages that come meanwhile (forwarded
   * by that connection, or sent here) wait behind it in {@link #heldPrivates}.
   */
  private ToUser.PrivatesMissed missedPrivates;
  private final List<ToUser> heldPrivates = new ArrayList<>();
  /** What {@link #heldPrivates} takes, bounded by resume-buffer-bytes as the resumed connection's buffer is. */
  private long heldBytes;

  private Session(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      String peer,
      ClientPort port,
      ChatCore core,
      Spool spool,
      ServerSettings settings) {
    this.context = context;
    this.timers = timers;
    this.peer = peer;
    this.port = port;
    this.core = core;
    this.settings = settings;
    this.inbox = context.messageAdapter(ToUser.class, FromChat::new);
    this.accountsInbox = context.messageAdapter(Accounts.Reply.class, FromAccounts::new);
    this.accountSettings = AccountSettings.fromConfig(context.getSystem().settings().config());
    this.flood = new TokenBucket(settings.policy().floodBurst(), settings.policy().floodRate(), System.nanoTime());
    this.uploads = new Uploads(context, port, spool, settings, core, inbox, new Uploads.Host() {
      @Override
      public boolean sendOrClose(boolean accepted) {
        return Session.this.sendOrClose(accepted);
      }

      @Override
      public ActorRef<Room.Command> activeRoom() {
        Membership m = Session.this.activeRoom();
        return m == null ? null : m.ref();
      }

      @Override
      public ActorRef<Room.Command> room(String name) {
        Membership m = RoomNames.problem(name.substring(1)).isPresent() ? null : rooms.get(RoomNames.key(name));
        return m == null ? null : m.ref();
      }

      @Override
      public String nick() {
        return nick;
      }
    });
    this.maxLineBytes = maxLineBytes(settings);
    this.privateDeliveries = new PrivateDeliveries(settings.policy().resumeBuffer(), settings.policy().resumeBufferBytes());
    timers.startSingleTimer(JoinTimedOut.INSTANCE, settings.policy().joinTimeout());
    context.getLog().debug("Connection from {}", peer);
  }

  /**
   * The longest chat line accepted: what leaves room, within the frame limit every client
   * accepts, for the longest prefix the server puts before a relayed line ({@code [#room] * nick::}).
   */
  public static int maxLineBytes(ServerSettings settings) {
    return Math.max(1, settings.limits().maxMessageBytes() - maxPrefixBytes(settings.maxNameLength()));
  }

  /**
   * The most bytes the server adds around a user's text in any frame it relays it in: the
   * original protocol's {@code [#room] * nick::} or {@code [PM] * nick::}, or an EVENT frame's
   * fixed part, field lengths, room and two nicks; every character counted at 4 bytes of UTF-8.
   */
  static int maxPrefixBytes(int maxNameLength) {
    return 64 + 4 * (RoomNames.MAX_LENGTH + 1) + 8 * maxNameLength;
  }

  // --- states ---------------------------------------------------------------------------------

  private Behavior<Command> awaitingJoin() {
    return common()
        .onMessage(Received.class, r -> onReceivedBeforeJoin(r.message(), r.ackTo()))
        .onMessage(FromChat.class, c -> onChatBeforeJoin(c.message()))
        .onMessageEquals(JoinTimedOut.INSTANCE, this::onJoinTimedOut)
        .build();
  }

  private Behavior<Command> joined() {
    return common()
        .onMessage(Received.class, r -> onReceived(r.message(), r.ackTo()))
        .onMessage(FromChat.class, c -> onChat(c.message()))
        .onMessage(RoomStopped.class, stopped -> {
          onRoomStopped(stopped);
          return Behaviors.same();
        })
        .onMessage(FromAccounts.class, f -> onAccountReply(f.reply()))
        .onMessage(LoginGraceOver.class, this::onLoginGraceOver)
        .onMessage(UploadRelayable.class, this::onUploadRelayable)
        .onMessage(UploadEnded.class, ended -> {
          uploads.ended(ended);
          return Behaviors.same();
        })
        .onMessage(FileFrameReady.class, ready -> {
          sendOrClose(port.fileFrameReady(ready.delivery()));
          return Behaviors.same();
        })
        .onMessage(TransferOffered.class, offered -> {
          timers.startSingleTimer(offered, new OfferTimedOut(offered.id()), settings.transfers().offerTimeout());
          return Behaviors.same();
        })
        .onMessage(OfferTimedOut.class, timedOut -> {
          sendOrClose(port.withdrawTransfer(timedOut.id(), "did not answer",
              "not accepted within " + seconds(settings.transfers().offerTimeout())));
          return Behaviors.same();
        })
        .onMessage(TransferWithdrawn.class, withdrawn -> {
          timers.cancel(new TransferOffered(withdrawn.id()));
          sendOrClose(port.withdrawTransfer(withdrawn.id(), "",
              withdrawn.why() == null || withdrawn.why().isEmpty() ? "the upload failed" : withdrawn.why()));
          return Behaviors.same();
        })
        .onMessage(TransferResponse.class, r -> {
          sendOrClose(port.transfer(Transfer.response(r.id(), r.who(), r.outcome())));
          return Behaviors.same();
        })
        .onMessageEquals(IdleTimedOut.INSTANCE, this::onIdleTimedOut)
        .onMessageEquals(ReplyTimedOut.INSTANCE, () -> {
          accountsDidNotAnswer();
          releaseHeldBatches();
          replied();
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> closing() {
    return BehaviorBuilder.<Command>create()
        .onMessage(StreamStarted.class, s -> ack(s.ackTo()))
        // Resumed while closing (its client gone, its queue full): hand over, and be gone at once.
        .onMessage(FromChat.class, c -> {
          if (c.message() instanceof ToUser.Superseded superseded) {
            handOver(superseded);
            return Behaviors.stopped();
          }
          return Behaviors.same();
        })
        // Drain whatever is still arriving; the connection is on its way out.
        .onMessage(Received.class, r -> ack(r.ackTo()))
        .onMessageEquals(InboundCompleted.INSTANCE, Behaviors::stopped)
        .onMessage(InboundFailed.class, f -> Behaviors.stopped())
        // Its last frames are being flushed; the socket's close ends the inbound side.
        .onMessageEquals(OutboundClosed.INSTANCE, Behaviors::same)
        .onMessageEquals(CloseTimedOut.INSTANCE, this::onCloseTimedOut)
        .onSignal(PostStop.class, s -> onPostStop())
        .build();
  }

  /** What every state but closing handles alike. */
  private BehaviorBuilder<Command> common() {
    return BehaviorBuilder.<Command>create()
        .onMessage(StreamStarted.class, s -> ack(s.ackTo()))
        .onMessageEquals(FloodWaitOver.INSTANCE, this::onFloodWaitOver)
        .onMessage(UploadChildStopped.class, stopped -> {
          uploads.childStopped(stopped.child());
          return Behaviors.same();
        })
        .onMessage(Close.class, c -> closeWith(() -> port.text(c.notice())))
        .onMessageEquals(InboundCompleted.INSTANCE, Behaviors::stopped)
        .onMessage(InboundFailed.class, this::onInboundFailed)
        // The outbound side ended while not closing: it failed (a file body could not be read).
        .onMessageEquals(OutboundClosed.INSTANCE, Behaviors::stopped)
        .onSignal(PostStop.class, s -> onPostStop());
  }

  private Behavior<Command> ack(ActorRef<Ack> ackTo) {
    ackTo.tell(Ack.INSTANCE);
    return Behaviors.same();
  }

  // --- before JOIN ----------------------------------------------------------------------------

  private Behavior<Command> onReceivedBeforeJoin(Message message, ActorRef<Ack> ackTo) {
    if (pendingAck != null) {
      // Cannot happen (nothing is read while a JOIN is pending), but never lose an ack.
      ackTo.tell(Ack.INSTANCE);
      return Behaviors.same();
    }
    if (message instanceof Message.Malformed malformed) {
      return onMalformed(malformed.error(), ackTo);
    }
    if (Uploads.isFilePart(message)) {
      return onFilePartRefused(message, ackTo, "Invalid JOIN message.");
    }
    if (message instanceof Message.Join join) {
      // Each attempt restarts the clock: a user picking another name after a refusal gets the
      // whole join-timeout to type it (flood control bounds how often a peer can try).
      timers.startSingleTimer(JoinTimedOut.INSTANCE, settings.policy().joinTimeout());
      String wanted = Nicks.normalize(join.payload());
      Optional<String> problem = Nicks.problem(wanted, settings.maxNameLength());
      if (problem.isPresent()) {
        sendOrClose(port.error(problem.get()));
        return acknowledgeCounted(ackTo);
      }
      // Hold the acknowledgement: nothing more is read from this client until the core answers.
      pendingAck = ackTo;
      core.users().tell(new Users.Claim(wanted, inbox));
      return Behaviors.same();
    }
    if (message instanceof Message.Text text && CommandLine.isResume(text.text())) {
      return onResume(text.text(), ackTo);
    }
    sendOrClose(port.error("Invalid JOIN message."));
    return acknowledgeCounted(ackTo);
  }

  /**
   * {@code /resume <token> <count>} instead of JOIN: this connection takes over the one the token
   * was given to, with its nick, and gets the private messages that one was sent after the first
   * {@code count} (what its client received). The rooms are the client's to enter again, with
   * {@code /extended 1 after} and {@code /join #room after}, as after a JOIN.
   */
  private Behavior<Command> onResume(String line, ActorRef<Ack> ackTo) {
    // (The join timeout is not restarted, as a refused JOIN restarts it: a /resume is no name
    // typed by a user, and a connection must not stay unjoined by sending one now and then.)
    Optional<CommandLine.ResumeRequest> request = CommandLine.resume(line);
    if (request.isEmpty()) {
      sendOrClose(port.error("Usage before JOIN: /resume <token> <private events received>, with the token the server gave."));
      return acknowledgeCounted(ackTo);
    }
    if (!ResumeTokens.wellFormed(request.get().token())) {
      sendOrClose(port.error(Users.UNKNOWN_TOKEN));
      return acknowledgeCounted(ackTo);
    }
    pendingAck = ackTo; // as for a JOIN: nothing more is read until the core answers
    core.users().tell(new Users.Resume(ResumeTokens.digest(request.get().token()), request.get().received(), inbox));
    return Behaviors.same();
  }

  private Behavior<Command> onChatBeforeJoin(ToUser message) {
    if (message instanceof ToUser.PrivatesMissed missed) {
      missedPrivates = missed; // the resumed connection's; its nick follows (NickGranted)
      return Behaviors.same();
    }
    if (holdsPrivate(message)) {
      return Behaviors.same(); // held behind what was handed over, until sent with it
    }
    if (message instanceof ToUser.Superseded superseded && nick != null) {
      return onSuperseded(superseded); // resumed again before this one had even entered its room
    }
    if (message instanceof ToUser.NickGranted granted) {
      nick = granted.nick();
      core.rooms().tell(new Rooms.JoinRoom(core.settings().defaultRoom(), nick, away, inbox));
      return Behaviors.same();
    }
    if (message instanceof ToUser.NickRefused refused) {
      sendOrClose(port.error(refused.reason()));
      ActorRef<Ack> held = pendingAck;
      pendingAck = null;
      if (held != null) {
        acknowledgeCounted(held); // a refused JOIN or /resume counts towards flood control
      }
      return Behaviors.same();
    }
    if (message instanceof ToUser.JoinedRoom joinedRoom) {
      // In the default room: the welcome goes out before anything the room sends after the join.
      addMembership(joinedRoom);
      active = RoomNames.key(joinedRoom.room());
      timers.cancel(JoinTimedOut.INSTANCE);
      settings.policy().idleTimeout().ifPresent(idle -> timers.startSingleTimer(IdleTimedOut.INSTANCE, idle));
      context.getLog().info("{} joined from {}", nick, peer);
      port.named(nick);
      sendOrClose(port.text(WELCOME));
      releasePendingAck();
      checkRegistered();
      return joined();
    }
    if (message instanceof ToUser.Refused refused) {
      // The default room would not take us (it cannot be full; the server is shutting down).
      return closeWith(() -> port.error(refused.reason()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onJoinTimedOut() {
    context.getLog().info("Disconnecting {}: no JOIN within {}", peer, settings.policy().joinTimeout());
    return closeWith(() -> port.error("Disconnected: no JOIN within " + seconds(settings.policy().joinTimeout()) + "."));
  }

  // --- joined: inbound ------------------------------------------------------------------------

  private Behavior<Command> onReceived(Message message, ActorRef<Ack> ackTo) {
    settings.policy().idleTimeout().ifPresent(idle -> timers.startSingleTimer(IdleTimedOut.INSTANCE, idle));
    if (message instanceof Message.Xfer xfer) {
      return onTransfer(xfer.transfer(), ackTo);
    }
    if (message instanceof Message.FileOffer offer) {
      return acknowledge(uploads.fileOffer(offer), ackTo);
    }
    if (message instanceof Message.FileChunk chunk) {
      return acknowledge(uploads.fileChunk(chunk, ackTo), ackTo);
    }
    if (message == Message.FileEnd.INSTANCE) {
      return acknowledge(uploads.fileEnd(ackTo), ackTo);
    }
    if (message instanceof Message.Malformed malformed) {
      return onMalformed(malformed.error(), ackTo);
    }
    Behavior<Command> next = Behaviors.same();
    if (message instanceof Message.Text text) {
      next = onText(text.text());
      if (awaitingReply && next == Behaviors.<Command>same()) {
        // The core answers this one: read nothing more until it has, so that replies come in the
        // order of the commands, as from the original server (/users then /help: users first).
        replyHeldAck = ackTo;
        timers.startSingleTimer(ReplyTimedOut.INSTANCE, REPLY_TIMEOUT);
        return Behaviors.same();
      }
    } else if (message instanceof Message.Join) {
      sendOrClose(port.error("You have already joined as " + nick + "."));
    } else {
      sendOrClose(port.error("Unexpected frame from a client: " + message.getClass().getSimpleName().toUpperCase(Locale.ROOT) + "."));
    }
    if (next != Behaviors.<Command>same()) {
      ackTo.tell(Ack.INSTANCE); // closing: no flood wait for the last message
      return next;
    }
    return acknowledgeCounted(ackTo);
  }

  private Behavior<Command> onText(String text) {
    awaitingReply = false;
    if (missedPrivates != null && !CommandLine.isExtendedOrAccount(text)) {
      flushMissedPrivates(); // a client that resumed without asking for events first
    }
    if (!text.startsWith("/")) {
      // As the contract says: every line that is not a command, even a blank one, is relayed.
      return post(text, false);
    }
    CommandLine command = CommandLine.parse(text);
    if (command instanceof CommandLine.Quit) {
      return closeWith(port::quitAck);
    } else if (command instanceof CommandLine.Help) {
      sendOrClose(port.text(HELP));
    } else if (command instanceof CommandLine.Users users) {
      withRoom(users.room(), m -> ask(m.ref(), new Room.ListMembers(inbox)));
    } else if (command instanceof CommandLine.Join join) {
      onJoinCommand(join.room(), join.afterSeq());
    } else if (command instanceof CommandLine.Part part) {
      withRoom(part.room(), m -> ask(m.ref(), new Room.Part(inbox)));
    } else if (command instanceof CommandLine.Rooms) {
      askRooms(new Rooms.ListRooms(inbox));
    } else if (command instanceof CommandLine.Topic topic) {
      onTopicCommand(topic.text());
    } else if (command instanceof CommandLine.Msg msg) {
      Optional<String> badNick = nickArgumentProblem(msg.nick());
      if (badNick.isPresent()) {
        sendOrClose(port.error(badNick.get()));
      } else if (fitsLine(msg.text())) {
        askUsers(new Users.SendPrivate(inbox, msg.nick(), msg.text(), false));
      }
    } else if (command instanceof CommandLine.Me me) {
      return post(me.action(), true);
    } else if (command instanceof CommandLine.Nick newNick) {
      floodCost = rooms.size();
      onNickCommand(newNick.nick());
    } else if (command instanceof CommandLine.Away awayCommand) {
      floodCost = rooms.size();
      onAwayCommand(awayCommand.text());
    } else if (command instanceof CommandLine.SendTo sendTo) {
      Optional<String> badNick = nickArgumentProblem(sendTo.nick());
      if (badNick.isPresent()) {
        sendOrClose(port.error(badNick.get()));
      } else {
        uploads.sendTo(sendTo.nick());
        sendOrClose(port.text("[Server] Your next file goes to " + sendTo.nick() + " only."));
      }
    } else if (command instanceof CommandLine.Extended extended) {
      onExtended(extended.version(), extended.after());
    } else if (command instanceof CommandLine.Post p) {
      onPostCommand(p);
    } else if (command instanceof CommandLine.History h && h.room().startsWith("@")) {
      onPrivateHistory(h);
    } else if (command instanceof CommandLine.History h) {
      long before = h.beforeSeq() == 0 ? Long.MAX_VALUE : h.beforeSeq();
      withRoom(h.room(), m -> ask(m.ref(), new Room.GetHistory(inbox, before, h.count())));
    } else if (command instanceof CommandLine.Register register) {
      askAccounts(new Accounts.Register(nick, register.password(), accountsInbox));
    } else if (command instanceof CommandLine.Login login) {
      onLoginCommand(login);
    } else if (command instanceof CommandLine.Password change) {
      onPasswordCommand(change);
    } else if (command instanceof CommandLine.Usage usage) {
      sendOrClose(port.error("Usage: " + usage.usage()));
    } else {
      sendOrClose(port.error(UNKNOWN_COMMAND));
    }
    return Behaviors.same();
  }

  /**
   * Why a nick typed as an argument cannot be anybody's, if it cannot: checked here, so that the
   * nick registry never works on, and no reply ever echoes, an argument of any length.
   */
  private Optional<String> nickArgumentProblem(String typed) {
    return Nicks.problem(Nicks.normalize(typed), settings.maxNameLength())
        .map(problem -> "No such user: " + problem.substring(problem.indexOf(':') + 2));
  }

  private Behavior<Command> post(String text, boolean action) {
    Membership room = activeRoom();
    if (room == null) {
      sendOrClose(port.error("You are in no room: /join one first."));
    } else if (fitsLine(text)) {
      room.ref().tell(new Room.Post(inbox, text, action));
    }
    return Behaviors.same();
  }

  /** Whether {@code text} is short enough to relay with any prefix; if not, the user is told. */
  private boolean fitsLine(String text) {
    if (withinLineLimit(text)) {
      return true;
    }
    sendOrClose(port.error("Line too long: at most " + maxLineBytes + " bytes. It was not sent."));
    return false;
  }

  /** Whether {@code text} is at most the line limit in UTF-8, counted without encoding it. */
  private boolean withinLineLimit(String text) {
    // A char is at most 3 bytes, a surrogate pair 4.
    return text.length() * 3L <= maxLineBytes || utf8Length(text) <= maxLineBytes;
  }

  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isHighSurrogate(c) ? 2 : Character.isLowSurrogate(c) ? 2 : 3;
    }
    return n;
  }

  private void onJoinCommand(String requested, long afterSeq) {
    String name = RoomNames.normalize(requested);
    Optional<String> problem = RoomNames.problem(name);
    if (problem.isPresent()) {
      sendOrClose(port.error(problem.get()));
      return;
    }
    if (afterSeq >= 0) {
      rememberReplayAfter(RoomNames.key(name), afterSeq);
    }
    Membership already = rooms.get(RoomNames.key(name));
    if (already != null) {
      active = RoomNames.key(name);
      announceActive(already);
      return;
    }
    if (rooms.size() >= core.settings().maxRoomsPerUser()) {
      sendOrClose(port.error("You are in " + rooms.size() + " rooms, the most allowed: /part one first."));
      return;
    }
    askRooms(new Rooms.JoinRoom(name, nick, away, inbox));
  }

  private void onTopicCommand(String text) {
    Membership room = activeRoom();
    if (room == null) {
      sendOrClose(port.error("You are in no room: /join one first."));
    } else if (text.isEmpty()) {
      ask(room.ref(), new Room.GetTopic(inbox));
    } else {
      String topic = text.equals("-") ? "" : text;
      Optional<String> problem = lineProblem("Topic", topic, core.settings().maxTopicLength());
      if (problem.isPresent()) {
        sendOrClose(port.error(problem.get()));
      } else {
        room.ref().tell(new Room.SetTopic(inbox, topic));
      }
    }
  }

  private void onNickCommand(String requested) {
    String wanted = Nicks.normalize(requested);
    Optional<String> problem = Nicks.problem(wanted, settings.maxNameLength());
    if (problem.isPresent()) {
      sendOrClose(port.error(problem.get()));
    } else if (wanted.equals(nick)) {
      sendOrClose(port.text("[Server] You are already " + nick + "."));
    } else if (account != null && Nicks.key(wanted).equals(account)) {
      askUsers(new Users.LoggedIn(inbox, wanted, accountSettings.guestPrefix())); // yours: taken from a squatter
    } else {
      askUsers(new Users.Rename(inbox, wanted));
    }
  }

  private void onAwayCommand(String text) {
    Optional<String> problem = lineProblem("Away message", text, core.settings().maxAwayLength());
    if (problem.isPresent()) {
      sendOrClose(port.error(problem.get()));
      return;
    }
    away = text;
    core.users().tell(new Users.SetAway(inbox, away));
    rooms.values().forEach(m -> m.ref().tell(new Room.SetAway(inbox, away)));
    sendOrClose(port.text(away.isEmpty() ? "[Server] You are back." : "[Server] You are marked as away: " + away));
    if (port.extended()) {
      sendOrClose(port.event(new Event(Event.Kind.AWAY, "", 0, System.currentTimeMillis(), nick, "", away)));
    }
  }

  /** Why a one-line text the server stores and shows (topic, away message) is refused, if it is. */
  private static Optional<String> lineProblem(String what, String text, int maxLength) {
    if (text.codePointCount(0, text.length()) > maxLength) {
      return Optional.of(what + " too long: at most " + maxLength + " characters.");
    }
    if (text.codePoints().anyMatch(cp -> Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT && cp != 0x200D)) {
      return Optional.of(what + " must not contain control characters.");
    }
    return Optional.empty();
  }

  private void onExtended(String version, Map<String, Long> after) {
    if (!version.equals("1")) {
      String shown = version.length() > 16 ? version.substring(0, 16) + "..." : version;
      sendOrClose(port.error("Unsupported extended protocol version '" + shown + "': this server speaks 1."));
      return;
    }
    if (port.extended()) {
      return;
    }
    port.extend();
    sendOrClose(port.event(new Event(Event.Kind.HELLO, "", 0, System.currentTimeMillis(), "", nick, helloText())));
    String token = ResumeTokens.create();
    core.users().tell(new Users.Resumable(inbox, ResumeTokens.digest(token)));
    sendOrClose(port.event(new Event(Event.Kind.RESUME, "", 0, System.currentTimeMillis(), "", "", token)));
    flushMissedPrivates();
    // Each room it is in is told as ENTERED once the room has listed its members; the active
    // room follows as ACTIVE when all have answered (see onMembers).
    // At most as many rooms as a user may be in (the JOIN's own may not be answered yet).
    after.forEach((room, seq) -> rememberReplayAfter(RoomNames.key(RoomNames.normalize(room)), seq));
    for (Membership m : rooms.values()) {
      enteredPending.put(RoomNames.key(m.name()), new ArrayList<>());
      ask(m.ref(), entering(m));
    }
  }

  /**
   * HELLO's text: the server and its protocol version, then what it offers beyond version 1's
   * first form, for clients to look for: {@code history} (HISTORY events, {@code /history}) and
   * {@code post} ({@code /post} and STORED).
   */
  private String helloText() {
    return core.settings().historyEnabled() ? "pekko-chat 1; history, post, resume" : "pekko-chat 1; resume";
  }

  /**
   * What an extended client entering {@code m} is told: its members, and the last lines before it
   * entered, or (resuming) every line since the one it saw last, up to a page.
   */
  private Room.ListMembers entering(Membership m) {
    Long after = replayAfter.remove(RoomNames.key(m.name()));
    if (after != null && core.settings().historyEnabled()) {
      return new Room.ListMembers(inbox, MAX_RESUME_LINES, m.joinedSeq(), after);
    }
    return new Room.ListMembers(inbox, core.settings().historyReplay(), m.joinedSeq());
  }

  /**
   * Remembers where a resuming client's replay of room {@code key} starts. Bounded: a join that is
   * refused, or a room named that is never entered, leaves its entry behind.
   */
  private void rememberReplayAfter(String key, long seq) {
    if (replayAfter.size() < core.settings().maxRoomsPerUser() + 1 || replayAfter.containsKey(key)) {
      replayAfter.put(key, seq);
    }
  }

  /** Most lines a resuming client is replayed per room on entering it (older ones: /history). */
  static final int MAX_RESUME_LINES = 500;

  /** Sends a request the core answers; the inbound ack waits for the answer (see onReceived). */
  private void ask(ActorRef<Room.Command> room, Room.Command request) {
    awaitingReply = true;
    room.tell(request);
  }

  private void askRooms(Rooms.Command request) {
    awaitingReply = true;
    core.rooms().tell(request);
  }

  private void askUsers(Users.Command request) {
    awaitingReply = true;
    core.users().tell(request);
  }

  /** A reply the core owed: the next message may be read. */
  private void replied() {
    if (replyHeldAck != null && enteredPending.isEmpty()) {
      timers.cancel(ReplyTimedOut.INSTANCE);
      ActorRef<Ack> held = replyHeldAck;
      replyHeldAck = null;
      acknowledgeCounted(held);
    }
  }

  private void withRoom(String requested, java.util.function.Consumer<Membership> action) {
    Membership room;
    if (requested.isEmpty()) {
      room = activeRoom();
      if (room == null) {
        sendOrClose(port.error("You are in no room: /join one first."));
        return;
      }
    } else {
      String name = RoomNames.normalize(requested);
      Optional<String> problem = RoomNames.problem(name);
      if (problem.isPresent()) {
        sendOrClose(port.error(problem.get()));
        return;
      }
      room = rooms.get(RoomNames.key(name));
      if (room == null) {
        sendOrClose(port.error("You are not in " + name + "."));
        return;
      }
    }
    action.accept(room);
  }

  private Membership activeRoom() {
    return active == null ? null : rooms.get(active);
  }

  /**
   * {@code /post <id> <#room> <text>}: every refusal names the id ({@link Room#yourLine}), so that
   * the client knows no STORED will come for it.
   */
  private void onPostCommand(CommandLine.Post p) {
    String what = Room.yourLine(p.clientId());
    Membership m = null;
    String why = null;
    if (p.room().isEmpty()) {
      m = activeRoom();
      why = m == null ? "you are in no room: /join one first." : null;
    } else {
      String name = RoomNames.normalize(p.room());
      Optional<String> problem = RoomNames.problem(name);
      if (problem.isPresent()) {
        why = problem.get();
      } else {
        m = rooms.get(RoomNames.key(name));
        why = m == null ? "you are not in " + name + "." : null;
      }
    }
    if (why == null && !withinLineLimit(p.text())) {
      why = "it is too long: at most " + maxLineBytes + " bytes.";
    }
    if (why != null) {
      sendOrClose(port.error(what + " was not sent: " + why));
    } else {
      m.ref().tell(new Room.Post(inbox, p.text(), p.action(), p.clientId()));
    }
  }

  // --- joined: from the chat core -------------------------------------------------------------

  private Behavior<Command> onChat(ToUser message) {
    if (message instanceof ToUser.Superseded superseded) {
      return onSuperseded(superseded);
    }
    if (holdsPrivate(message)) {
      return Behaviors.same();
    }
    if (message instanceof ToUser.Forwarded forwarded) {
      handleChat(forwarded.message()); // not a reply to anything this connection asked
      return Behaviors.same();
    }
    handleChat(message);
    if (isReply(message)) {
      replied();
    }
    return Behaviors.same();
  }

  private static boolean isReply(ToUser m) {
    return m instanceof ToUser.JoinedRoom || m instanceof ToUser.AlreadyInRoom || m instanceof ToUser.PartedRoom
        || m instanceof ToUser.Refused || m instanceof ToUser.NickGranted || m instanceof ToUser.NickRefused
        || m instanceof ToUser.Members || m instanceof ToUser.RoomList || m instanceof ToUser.Topic
        || m instanceof ToUser.PrivateSent || m instanceof ToUser.History
        || m instanceof ToUser.PrivateKept || m instanceof ToUser.PrivateHistory;
  }

  private void handleChat(ToUser message) {
    if (message instanceof ToUser.RoomEvents events) {
      onRoomEvents(events);
    } else if (message instanceof ToUser.PrivateMessage pm) {
      sendPrivate(pm, false);
    } else if (message instanceof ToUser.PrivateSent sent) {
      if (port.extended()) {
        sendPrivate(sent.message(), true);
      }
    } else if (message instanceof ToUser.PrivateKept kept) {
      onPrivateKept(kept);
    } else if (message instanceof ToUser.LoggedOut out) {
      if (out.key().equals(account)) {
        account = null;
        accountSince = 0;
        sendOrClose(port.text("[Server] " + out.reason()));
        checkRegistered(); // going by that nick: /login again within the grace, or be renamed
      }
    } else if (message instanceof ToUser.KeptMessages kept) {
      onKeptMessages(kept);
    } else if (message instanceof ToUser.PrivateHistory history) {
      sendOrClose(port.privateHistory(history));
    } else if (message instanceof ToUser.IsAway isAway) {
      sendOrClose(port.text("[Server] " + isAway.nick() + " is away: " + isAway.message()));
    } else if (message instanceof ToUser.PrivateFile file) {
      sendOrClose(port.privateFile(file.from(), file.fileId(), file.fileName()));
    } else if (message instanceof ToUser.JoinedRoom joinedRoom) {
      Membership m = addMembership(joinedRoom);
      active = RoomNames.key(m.name());
      if (port.extended()) {
        // ENTERED lists the members: asked for now, sent when the room answers (onMembers).
        enteredPending.put(RoomNames.key(m.name()), new ArrayList<>());
        ask(m.ref(), entering(m));
      } else {
        sendOrClose(port.text("[Server] You joined " + m.name() + membersSummary(joinedRoom.members()) + topicSummary(joinedRoom.topic())
            + " Plain lines now go to " + m.name() + "."));
      }
    } else if (message instanceof ToUser.AlreadyInRoom already) {
      Membership m = rooms.get(RoomNames.key(already.room()));
      if (m != null) {
        active = RoomNames.key(m.name());
        announceActive(m);
      }
    } else if (message instanceof ToUser.PartedRoom parted) {
      onParted(parted.room());
    } else if (message instanceof ToUser.Members members) {
      onMembers(members);
    } else if (message instanceof ToUser.History history) {
      sendOrClose(port.history(history));
    } else if (message instanceof ToUser.Stored stored) {
      if (port.extended()) {
        sendOrClose(port.event(new Event(Event.Kind.STORED, stored.room(), stored.seq(), stored.time(), "", stored.clientId(), "")));
      }
    } else if (message instanceof ToUser.RoomList list) {
      onRoomList(list);
    } else if (message instanceof ToUser.Topic topic) {
      sendOrClose(port.text(topic.topic().isEmpty()
          ? "[Server] " + topic.room() + " has no topic."
          : "[Server] Topic of " + topic.room() + ": " + topic.topic()));
    } else if (message instanceof ToUser.NickGranted granted) {
      onNickGranted(granted);
    } else if (message instanceof ToUser.NickRefused refused) {
      sendOrClose(port.error(refused.reason()));
    } else if (message instanceof ToUser.Refused refused) {
      sendOrClose(port.error(refused.reason()));
    } else if (message instanceof ToUser.Failed failed) {
      sendOrClose(port.error(failed.reason()));
    }
  }

  private Membership addMembership(ToUser.JoinedRoom joinedRoom) {
    Membership m = new Membership(joinedRoom.room(), joinedRoom.ref(), joinedRoom.seq());
    String key = RoomNames.key(joinedRoom.room());
    rooms.put(key, m);
    roomsByName.put(m.name(), m);
    context.watchWith(joinedRoom.ref(), new RoomStopped(key, joinedRoom.ref()));
    return m;
  }

  private void onRoomEvents(ToUser.RoomEvents batch) {
    Membership m = roomsByName.get(batch.room());
    if (m == null) {
      return; // parted meanwhile
    }
    List<ToUser.RoomEvents> held = enteredPending.get(RoomNames.key(m.name()));
    if (held != null) {
      held.add(batch);
      return;
    }
    List<RoomEvent> events = batch.events();
    BatchIndex index = batch.derived(BatchIndex.KEY, BatchIndex::of);
    if (index.lastSeq <= m.joinedSeq()) {
      return; // all of it came before this user joined
    }
    // Nearly always nothing to skip but this user's own lines (one lookup) and, in the batch it
    // joined in, what came before it.
    BitSet skip = NOTHING;
    int[] own = index.sentBy.get(m.joinedSeq());
    if (own != null || index.firstSeq <= m.joinedSeq() || index.nickChanges.length > 0) {
      skip = new BitSet(events.size());
      for (int i = 0; i < events.size() && events.get(i).seq() <= m.joinedSeq(); i++) {
        skip.set(i);
      }
      if (own != null) {
        for (int i : own) {
          skip.set(i);
        }
      }
      for (int i : index.nickChanges) {
        RoomEvent.NickChanged n = (RoomEvent.NickChanged) events.get(i);
        // Our own (we told the user when it was granted), or one told through another room.
        if (n.memberId() == m.joinedSeq() || !rememberNickChange(n.changeId())) {
          skip.set(i);
        }
      }
    }
    if (skip.cardinality() < events.size()) {
      sendOrClose(port.roomEvents(batch, skip, m == activeRoom()));
    }
  }

  /** Never written to: the skip set of a batch with nothing to skip. */
  private static final BitSet NOTHING = new BitSet(0);

  /** Records a nick change; false if it was already seen. */
  private boolean rememberNickChange(long changeId) {
    if (!recentNickChanges.add(changeId)) {
      return false;
    }
    if (recentNickChanges.size() > RECENT_NICK_CHANGES) {
      recentNickChanges.remove(recentNickChanges.iterator().next());
    }
    return true;
  }

  private void onParted(String room) {
    String key = RoomNames.key(room);
    Membership m = rooms.remove(key);
    if (m == null) {
      return;
    }
    roomsByName.remove(m.name());
    context.unwatch(m.ref());
    boolean wasActive = key.equals(active);
    if (wasActive) {
      // The most recently joined room still held becomes active.
      active = rooms.isEmpty() ? null : new ArrayList<>(rooms.keySet()).get(rooms.size() - 1);
    }
    Membership now = activeRoom();
    if (port.extended()) {
      sendOrClose(port.event(new Event(Event.Kind.PARTED, m.name(), 0, System.currentTimeMillis(), "", "", "")));
      if (wasActive && now != null) {
        sendOrClose(port.event(new Event(Event.Kind.ACTIVE, now.name(), 0, System.currentTimeMillis(), "", "", "")));
      }
    } else {
      sendOrClose(port.text("[Server] You left " + m.name() + "."
          + (wasActive ? now == null ? " You are in no room now: /join one." : " Plain lines now go to " + now.name() + "." : "")));
    }
  }

  private void onRoomStopped(RoomStopped stopped) {
    Membership m = rooms.get(stopped.key());
    if (m == null || !m.ref().equals(stopped.ref())) {
      return;
    }
    rooms.remove(stopped.key());
    roomsByName.remove(m.name());
    boolean wasActive = stopped.key().equals(active);
    if (wasActive) {
      active = rooms.isEmpty() ? null : new ArrayList<>(rooms.keySet()).get(rooms.size() - 1);
    }
    sendOrClose(port.error("The room " + m.name() + " was closed after a server error. /join " + m.name() + " to return."));
    if (port.extended()) {
      sendOrClose(port.event(new Event(Event.Kind.PARTED, m.name(), 0, System.currentTimeMillis(), "", "", "")));
    }
    // A command waiting on that room will never be answered: read on.
    enteredPending.remove(stopped.key());
    replied();
  }

  private void onMembers(ToUser.Members members) {
    List<ToUser.RoomEvents> held = enteredPending.remove(RoomNames.key(members.room()));
    if (held != null) {
      // Answering onExtended or a join: tell the client of a room it is in, then what the room
      // said meanwhile (held, so that no line of the room reaches a client that has not been told
      // of the room yet).
      List<String> nicks = members.members().stream().map(ToUser.MemberInfo::nick).toList();
      sendOrClose(port.event(entered(members.room(), members.topic(), nicks)));
      if (!members.history().isEmpty()) {
        // What was said before it entered, marked as history, before anything said since.
        sendOrClose(port.history(new ToUser.History(members.room(), members.history(), members.moreHistory())));
      }
      Membership now = activeRoom();
      if (enteredPending.isEmpty() && now != null) {
        sendOrClose(port.event(new Event(Event.Kind.ACTIVE, now.name(), 0, System.currentTimeMillis(), "", "", "")));
      }
      for (ToUser.RoomEvents batch : held) {
        onRoomEvents(batch);
      }
      return;
    }
    // Nicks only in the list (the original's exact form); away messages, which their users chose
    // and which could read like more nicks, on lines of their own after it.
    List<String> shown = new ArrayList<>(members.members().size());
    List<String> awayLines = new ArrayList<>();
    for (ToUser.MemberInfo info : members.members()) {
      shown.add(info.nick());
      if (!info.away().isEmpty()) {
        awayLines.add("[Server] " + info.nick() + " is away: " + info.away());
      }
    }
    boolean isDefault = members.room().equals(core.settings().defaultRoom());
    // The original's exact words for the default room; a list over the frame limit is continued.
    String head = isDefault ? "[Server] Online users: " : "[Server] Users in " + members.room() + ": ";
    for (String part : Listing.split(head, "[Server] (continued) ", shown, ", ", maxLineBytes)) {
      if (!sendOrClose(port.text(part))) {
        return;
      }
    }
    int listed = Math.min(awayLines.size(), MAX_AWAY_LISTED);
    for (String line : awayLines.subList(0, listed)) {
      if (!sendOrClose(port.text(line))) {
        return;
      }
    }
    if (awayLines.size() > listed) {
      sendOrClose(port.text("[Server] ... and " + (awayLines.size() - listed) + " more away."));
    }
  }

  /** {@code /users} shows the away messages of this many members at most. */
  static final int MAX_AWAY_LISTED = 20;

  /**
   * Rooms whose member list, asked for by {@link #onExtended} or a join, is to be sent as ENTERED,
   * each with the batches the room sent meanwhile: they follow the ENTERED. At most one reply
   * timeout's worth, bounded by the port's queue when they are released.
   */
  private final Map<String, List<ToUser.RoomEvents>> enteredPending = new LinkedHashMap<>();
  /** Rooms a resuming client asked to be replayed from a seq on entering ({@code /join ... after}). */
  private final Map<String, Long> replayAfter = new HashMap<>();

  /** The reply timed out: what was held goes out anyway, without its ENTERED. */
  private void releaseHeldBatches() {
    List<List<ToUser.RoomEvents>> held = new ArrayList<>(enteredPending.values());
    enteredPending.clear();
    for (List<ToUser.RoomEvents> batches : held) {
      for (ToUser.RoomEvents batch : batches) {
        onRoomEvents(batch);
      }
    }
  }

  private void onRoomList(ToUser.RoomList list) {
    List<String> lines = new ArrayList<>(Math.min(list.rooms().size(), MAX_ROOMS_LISTED) + 1);
    for (ToUser.RoomInfo room : list.rooms().subList(0, Math.min(list.rooms().size(), MAX_ROOMS_LISTED))) {
      lines.add(room.name() + " (" + room.members() + (room.members() == 1 ? " user)" : " users)")
          + (room.topic().isEmpty() ? "" : ": " + room.topic()));
    }
    if (list.rooms().size() > MAX_ROOMS_LISTED) {
      lines.add("... and " + (list.rooms().size() - MAX_ROOMS_LISTED) + " smaller rooms.");
    }
    String head = "[Server] Rooms" + (list.complete() ? "" : " (some did not answer in time)") + ":\n";
    for (String part : Listing.split(head, "[Server] Rooms (continued):\n", lines, "\n", maxLineBytes)) {
      if (!sendOrClose(port.text(part))) {
        return;
      }
    }
  }

  private void onNickGranted(ToUser.NickGranted granted) {
    String old = nick;
    nick = granted.nick();
    port.named(nick);
    rememberNickChange(granted.changeId());
    rooms.values().forEach(m -> m.ref().tell(new Room.Rename(inbox, nick, granted.changeId())));
    context.getLog().info("{} is now known as {}", old, nick);
    if (port.extended()) {
      // The client's own name (and its prompt) follows this; rooms' NICK events skip the user itself.
      sendOrClose(port.event(new Event(Event.Kind.NICK, "", 0, System.currentTimeMillis(), old, nick, "")));
    } else {
      sendOrClose(port.text("[Server] You are now known as " + nick + "."));
    }
    checkRegistered();
  }

  private void announceActive(Membership m) {
    if (port.extended()) {
      sendOrClose(port.event(new Event(Event.Kind.ACTIVE, m.name(), 0, System.currentTimeMillis(), "", "", "")));
    } else {
      sendOrClose(port.text("[Server] Plain lines now go to " + m.name() + "."));
    }
  }

  private static Event entered(String room, String topic, List<String> members) {
    return new Event(Event.Kind.ENTERED, room, 0, System.currentTimeMillis(), "", String.join(",", members), topic);
  }

  private static String membersSummary(int members) {
    return " (" + members + (members == 1 ? " user)." : " users).");
  }

  private static String topicSummary(String topic) {
    return topic.isEmpty() ? "" : " Topic: " + topic + ".";
  }

  // --- accounts -------------------------------------------------------------------------------

  /** The key of the account this connection is logged in to (it keeps it across /nick); null: none. */
  private String account;
  /** When that account was registered (ms since 1970): its private history starts there. */
  private long accountSince;
  /** A /register or /login is being answered. */
  private boolean accountPending;

  private void askAccounts(Accounts.Command request) {
    awaitingReply = true;
    accountPending = true;
    core.accounts().tell(request);
  }

  private void onLoginCommand(CommandLine.Login login) {
    String wanted = Nicks.normalize(login.nick());
    Optional<String> problem = Nicks.problem(wanted, settings.maxNameLength());
    if (problem.isPresent()) {
      sendOrClose(port.error(problem.get()));
      return;
    }
    askAccounts(new Accounts.Login(wanted, login.password(), address(peer), accountsInbox));
  }

  /** {@code /password}: only for a connection logged in to the nick it goes by. */
  private void onPasswordCommand(CommandLine.Password change) {
    if (!accountSettings.enabled()) {
      sendOrClose(port.error(Accounts.NO_STORE));
    } else if (nick == null || !Nicks.key(nick).equals(account)) {
      sendOrClose(port.error("You are not logged in to " + nick + ": /login " + nick
          + " <password> first (or /register <password>, if it is not registered). Your password was not changed."));
    } else {
      askAccounts(new Accounts.ChangePassword(nick, change.oldPassword(), change.newPassword(), address(peer), accountsInbox));
    }
  }

  /** The IP address in a peer's description ({@code host/1.2.3.4:5678}), without the port. */
  static String address(String peer) {
    int slash = peer.indexOf('/');
    int colon = peer.lastIndexOf(':');
    return peer.substring(slash + 1, colon > slash ? colon : peer.length());
  }

  /** After a join or a nick change: is the nick registered to someone this connection is not logged in as? */
  private void checkRegistered() {
    if (nick != null && !Nicks.key(nick).equals(account)) {
      core.accounts().tell(new Accounts.Lookup(nick, accountsInbox));
    } else {
      timers.cancel(LoginGraceOver.class);
    }
  }

  private Behavior<Command> onAccountReply(Accounts.Reply reply) {
    if (reply instanceof Accounts.Status status) {
      String key = Nicks.key(status.nick());
      if (status.registered() && status.nick().equals(nick) && !key.equals(account)) {
        Duration grace = accountSettings.loginGrace();
        sendOrClose(port.text("[Server] " + nick + " is a registered nick: /login " + nick + " <password> within " + seconds(grace)
            + ", or you will be renamed."));
        timers.startSingleTimer(LoginGraceOver.class, new LoginGraceOver(key), grace);
      }
      return Behaviors.same();
    }
    accountPending = false;
    if (reply instanceof Accounts.Registered registered) {
      account = Nicks.key(registered.nick());
      accountSince = registered.since();
      core.users().tell(new Users.LoggedIn(inbox, registered.nick(), accountSettings.guestPrefix()));
      sendOrClose(port.text("[Server] " + registered.nick() + " is registered to you. Next time, /login " + registered.nick()
          + " <password> keeps it."));
    } else if (reply instanceof Accounts.LoggedIn loggedIn) {
      account = Nicks.key(loggedIn.nick());
      accountSince = loggedIn.since();
      timers.cancel(LoginGraceOver.class);
      sendOrClose(port.text("[Server] You are logged in as " + loggedIn.nick() + "."));
      if (!account.equals(Nicks.key(nick))) {
        // Take the nick: Users answers with NickGranted (or NickRefused), as to /nick.
        askUsers(new Users.LoggedIn(inbox, loggedIn.nick(), accountSettings.guestPrefix()));
        return Behaviors.same();
      }
      core.users().tell(new Users.LoggedIn(inbox, loggedIn.nick(), accountSettings.guestPrefix()));
    } else if (reply instanceof Accounts.PasswordChanged changed) {
      core.users().tell(new Users.PasswordChanged(inbox, Nicks.key(changed.nick()), changed.nick())); // the other logins end
      sendOrClose(port.text("[Server] Your password for " + changed.nick() + " is changed. Next time, /login " + changed.nick()
          + " <new password>."));
    } else if (reply instanceof Accounts.Refused refused) {
      sendOrClose(port.error(refused.reason()));
    }
    replied();
    return Behaviors.same();
  }

  private Behavior<Command> onLoginGraceOver(LoginGraceOver over) {
    if (nick != null && Nicks.key(nick).equals(over.key()) && !over.key().equals(account)) {
      context.getLog().info("{} did not log in to its registered nick in time: renaming it", nick);
      sendOrClose(port.text("[Server] You did not log in as " + nick + " in time."));
      core.users().tell(new Users.RenameToGuest(inbox, nick, accountSettings.guestPrefix()));
    }
    return Behaviors.same();
  }

  /** The reply timeout hit while a /register or /login was being answered: the user is told. */
  private void accountsDidNotAnswer() {
    if (accountPending) {
      accountPending = false;
      sendOrClose(port.error("The accounts service did not answer in time; try again."));
    }
  }

  // --- stored private messages (docs/HISTORY.md, "Private messages") -------------------------

  /**
   * {@code /history @nick}: only for a connection logged in to its nick, since anyone may take a
   * nick that is not registered, and with it what was said to it.
   */
  private void onPrivateHistory(CommandLine.History h) {
    String peer = Nicks.normalize(h.room().substring(1));
    Optional<String> badNick = nickArgumentProblem(peer);
    if (core.privates() == null) {
      sendOrClose(port.error("This server keeps no history."));
    } else if (badNick.isPresent()) {
      sendOrClose(port.error(badNick.get()));
    } else if (nick == null || !Nicks.key(nick).equals(account)) {
      sendOrClose(port.error("Only a nick you are logged in to has private conversations to page: /register <password>, or /login."));
    } else {
      awaitingReply = true;
      // Only what was said since the nick was registered: before, it was anyone's to take.
      core.privates().tell(new PrivateMessages.Read(nick, peer, h.beforeSeq() == 0 ? Long.MAX_VALUE : h.beforeSeq(), h.count(),
          accountSince, inbox));
    }
  }

  private void onPrivateKept(ToUser.PrivateKept kept) {
    String to = kept.message().to();
    sendOrClose(port.text("[Server] " + to + " is offline: your message is kept and delivered when " + to + " logs in."));
    if (port.extended()) {
      sendPrivate(kept.message(), true);
    }
  }

  /**
   * Sends a private message, and counts it when it goes as a PRIVATE event: what a resume of this
   * connection hands over is counted the way the client counts ({@link PrivateDeliveries}).
   */
  private void sendPrivate(ToUser.PrivateMessage message, boolean echo) {
    if (port.extended()) {
      privateDeliveries.sent(message);
    }
    sendOrClose(port.privateMessage(message, echo));
  }

  /**
   * Another connection resumes this one: hand it what our client missed, leave the rooms (so that
   * it can enter them at once), let the nick go to it, and close. This session then lingers for
   * the private messages still on their way to it (routed here before the nick moved, or being
   * stored: at most {@code pekko-chat.private.write-timeout}) and forwards them, in order.
   */
  private Behavior<Command> onSuperseded(ToUser.Superseded superseded) {
    ActorRef<ToUser> successor = superseded.by();
    handOver(superseded);
    rooms.values().forEach(m -> m.ref().tell(new Room.Part(inbox)));
    rooms.clear();
    roomsByName.clear();
    active = null;
    core.users().tell(new Users.HandedOver(inbox));
    // If this connection still works (the token leaked, or the client came back early), say why it ends.
    port.error(Event.RESUMED_ELSEWHERE);
    uploads.abandonAll();
    releasePendingAck();
    port.close();
    timers.cancelAll();
    timers.startSingleTimer(ForwardingOver.INSTANCE, forwardFor());
    return forwarding(successor);
  }


  /** Tells the connection resuming this one what this one's client missed. */
  private void handOver(ToUser.Superseded superseded) {
    List<ToUser.PrivateMessage> missed = new ArrayList<>();
    long lost;
    if (missedPrivates != null) {
      // Resumed itself and resumed again before it sent anything private: all it holds is missed.
      missed.addAll(missedPrivates.messages());
      lost = missedPrivates.lost();
      heldPrivates.forEach(m -> missed.addAll(privateMessagesOf(m)));
      missedPrivates = null;
      heldPrivates.clear();
      heldBytes = 0;
    } else {
      PrivateDeliveries.Missed m = privateDeliveries.after(superseded.received());
      missed.addAll(m.missed());
      lost = m.lost();
    }
    // Within the same bounds as a connection's own buffer, however often it was resumed unsent.
    long bytes = missed.stream().mapToLong(PrivateDeliveries::sizeOf).sum();
    while (!missed.isEmpty() && (missed.size() > settings.policy().resumeBuffer() || bytes > settings.policy().resumeBufferBytes())) {
      bytes -= PrivateDeliveries.sizeOf(missed.remove(0));
      lost++;
    }
    superseded.by().tell(new ToUser.PrivatesMissed(missed, lost));
    context.getLog().info("{} resumed on another connection ({} private messages handed over)", nick, missed.size());
  }

  /** The private messages in a message from the core (none for anything else). */
  private static List<ToUser.PrivateMessage> privateMessagesOf(ToUser m) {
    if (m instanceof ToUser.Forwarded f) {
      return privateMessagesOf(f.message());
    } else if (m instanceof ToUser.PrivateMessage pm) {
      return List.of(pm);
    } else if (m instanceof ToUser.PrivateSent sent) {
      return List.of(sent.message());
    } else if (m instanceof ToUser.PrivateKept kept) {
      return List.of(kept.message());
    } else if (m instanceof ToUser.KeptMessages kept) {
      return kept.messages();
    }
    return List.of();
  }

  /**
   * Whether {@code m} is private and waits, behind what a resumed connection handed over, until
   * that is sent: held in {@link #heldPrivates} (bounded; beyond it the oldest go, counted as lost).
   */
  private boolean holdsPrivate(ToUser m) {
    if (missedPrivates == null || privateMessagesOf(m).isEmpty() && !(m instanceof ToUser.IsAway)) {
      return false;
    }
    long size = heldSize(m);
    while (!heldPrivates.isEmpty()
        && (heldPrivates.size() >= Math.max(1, settings.policy().resumeBuffer())
            || heldBytes + size > settings.policy().resumeBufferBytes())) {
      ToUser dropped = heldPrivates.remove(0);
      heldBytes -= heldSize(dropped);
      missedPrivates = new ToUser.PrivatesMissed(missedPrivates.messages(), missedPrivates.lost() + privateMessagesOf(dropped).size());
    }
    heldPrivates.add(m);
    heldBytes += size;
    return true;
  }

  /** What a held message takes, as {@link PrivateDeliveries} counts it (an away notice: a little). */
  private static long heldSize(ToUser m) {
    return privateMessagesOf(m).stream().mapToLong(PrivateDeliveries::sizeOf).sum() + 96;
  }

  /** How long a resumed session forwards: what is being stored can take the store's write timeout. */
  private Duration forwardFor() {
    var config = context.getSystem().settings().config();
    Duration write = config.hasPath("pekko-chat.private.write-timeout") ? config.getDuration("pekko-chat.private.write-timeout") : Duration.ZERO;
    return write.plusSeconds(2);
  }

  /** A resumed session: it forwards what private messages still reach it, and ends after forwardFor. */
  private Behavior<Command> forwarding(ActorRef<ToUser> successor) {
    return BehaviorBuilder.<Command>create()
        .onMessage(FromChat.class, c -> {
          if (!privateMessagesOf(c.message()).isEmpty()) {
            successor.tell(new ToUser.Forwarded(c.message()));
          }
          return Behaviors.same();
        })
        .onMessage(StreamStarted.class, st -> ack(st.ackTo()))
        .onMessage(Received.class, r -> ack(r.ackTo())) // the old connection's last frames: dropped
        .onMessageEquals(ForwardingOver.INSTANCE, Behaviors::stopped)
        .onAnyMessage(other -> Behaviors.same()) // the connection's end, uploads' ends: nothing to do
        .onSignal(PostStop.class, st -> onPostStop())
        .build();
  }

  /** Sends what the resumed connection handed over, once, as private messages, then what waited behind it. */
  private void flushMissedPrivates() {
    ToUser.PrivatesMissed missed = missedPrivates;
    if (missed == null) {
      return;
    }
    missedPrivates = null;
    if (missed.lost() > 0) {
      sendOrClose(port.text("[Server] " + missed.lost() + (missed.lost() == 1 ? " private message" : " private messages")
          + " sent to you while you were away " + (missed.lost() == 1 ? "is" : "are") + " no longer held"
          + (core.settings().historyEnabled() ? " here: /history @nick shows your conversations when logged in." : ".")));
    }
    for (ToUser.PrivateMessage m : missed.messages()) {
      boolean echo = Nicks.key(m.from()).equals(Nicks.key(nick));
      if (!echo || port.extended()) { // an echo is for extended clients only, as a live one is
        sendPrivate(m, echo);
      }
    }
    List<ToUser> held = List.copyOf(heldPrivates);
    heldPrivates.clear();
    heldBytes = 0;
    held.forEach(m -> handleChat(m instanceof ToUser.Forwarded f ? f.message() : m));
  }

  private void onKeptMessages(ToUser.KeptMessages kept) {
    int n = kept.messages().size();
    sendOrClose(port.text("[Server] " + n + (n == 1 ? " private message" : " private messages") + " came while you were offline:"));
    kept.messages().forEach(m -> sendPrivate(m, false));
  }

  // --- files ----------------------------------------------------------------------------------

  /** A file that will not be received: its frame is read and dropped; the offer still counts as flood. */
  private Behavior<Command> onFilePartRefused(Message part, ActorRef<Ack> ackTo, String error) {
    if (part instanceof Message.FileOffer) {
      sendOrClose(port.error(error));
      return acknowledgeCounted(ackTo);
    }
    return ack(ackTo);
  }

  // --- chunked transfers (XFER, extended protocol) --------------------------------------------

  /**
   * One XFER frame from an extended client. Who sends a file's bytes ends it with CANCEL, who
   * receives them with DECLINE: the client's CANCEL and DATA and END are about its uploads (ids
   * it chose), its ACCEPT and DECLINE about files offered to it (ids the server chose).
   */
  private Behavior<Command> onTransfer(Transfer t, ActorRef<Ack> ackTo) {
    if (!port.extended()) {
      sendOrClose(port.error("XFER frames are for the extended protocol: send /extended 1 first."));
      return acknowledgeCounted(ackTo);
    }
    long id = t.id();
    switch (t.kind()) {
      case OFFER, DATA, END, CANCEL -> {
        return acknowledge(uploads.transfer(t, ackTo), ackTo);
      }
      case ACCEPT -> {
        timers.cancel(new TransferOffered(id));
        port.acceptTransfer(id).ifPresent(problem -> sendOrClose(port.error(problem)));
        return acknowledgeCounted(ackTo);
      }
      case DECLINE -> {
        timers.cancel(new TransferOffered(id));
        port.cancelTransfer(id).ifPresent(problem -> sendOrClose(port.error(problem)));
        return acknowledgeCounted(ackTo);
      }
      default -> {
        sendOrClose(port.error("XFER " + t.kind() + " is sent by servers only."));
        return acknowledgeCounted(ackTo);
      }
    }
  }

  private Behavior<Command> onUploadRelayable(UploadRelayable relayable) {
    context.getLog().info("FILE frames of {} ({} bytes) from {} can begin", relayable.fileName(), relayable.file().size(), nick);
    return Behaviors.same();
  }

  /**
   * Follows a FILE frame that had to be completed with zero bytes. The project's client recognises
   * it (see {@code pekkochat.client.Client}) and deletes its copy; an original client shows it.
   */
  public static String incompleteNotice(String sender, String fileName, SpoolFile file) {
    return "[Server] Incomplete file: " + sender + "::" + fileName + " was cut off after "
        + file.committed() + " of " + file.size() + " bytes (" + file.failure() + "). Discard any copy you received.";
  }

  // --- flood control, errors, closing ---------------------------------------------------------

  /**
   * Acknowledges a message that counts towards flood control: at once while the user is within
   * the allowance, otherwise after the wait the {@link TokenBucket} gives. Until then nothing more
   * is read from this connection, so TCP pushes back on the flooder while everyone else's messages
   * go through as usual.
   */
  private Behavior<Command> acknowledgeCounted(ActorRef<Ack> ackTo) {
    int cost = Math.max(1, floodCost);
    floodCost = 1;
    long waitNanos = flood.take(System.nanoTime(), cost);
    if (waitNanos == 0) {
      ackTo.tell(Ack.INSTANCE);
      return Behaviors.same();
    }
    if (!floodLogged) {
      floodLogged = true;
      context.getLog().info("Flood control: slowing down {} to {} message(s) per second", nameOrPeer(), settings.policy().floodRate());
    }
    floodHeldAck = ackTo;
    timers.startSingleTimer(FloodWaitOver.INSTANCE, Duration.ofNanos(waitNanos));
    return Behaviors.same();
  }

  /** Acknowledges a frame the uploads took as they say ({@link Uploads.Acked}). */
  private Behavior<Command> acknowledge(Uploads.Acked how, ActorRef<Ack> ackTo) {
    return switch (how) {
      case COUNTED -> acknowledgeCounted(ackTo);
      case NOW -> ack(ackTo);
      case BY_CHILD -> Behaviors.same();
    };
  }

  private Behavior<Command> onFloodWaitOver() {
    if (floodHeldAck != null) {
      floodHeldAck.tell(Ack.INSTANCE);
      floodHeldAck = null;
    }
    return Behaviors.same();
  }

  private Behavior<Command> onMalformed(FramingError error, ActorRef<Ack> ackTo) {
    context.getLog().info("Malformed input from {} ({}): {}", peer, nameOrPeer(), error.message());
    if (error.fatal()) {
      ackTo.tell(Ack.INSTANCE);
      return closeWith(() -> port.error(error.message()));
    }
    sendOrClose(port.error(error.message()));
    return acknowledgeCounted(ackTo);
  }

  private Behavior<Command> onIdleTimedOut() {
    Duration idle = settings.policy().idleTimeout().orElseThrow();
    context.getLog().info("Disconnecting {}: nothing received for {}", nameOrPeer(), idle);
    return closeWith(() -> port.error("Disconnected: nothing received from you for " + seconds(idle) + "."));
  }

  private static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }

  /**
   * Sends the outcome of a port call; a false one means the user's queue is full (it is not
   * reading): it is told why, and the connection closes. Returns whether the user took it.
   */
  private boolean sendOrClose(boolean accepted) {
    if (!accepted && !closingStarted) {
      context.getLog().info("Disconnecting {}: outbound queue full (not reading)", nameOrPeer());
      context.getSelf().tell(new Close("[Server] Disconnected: too many messages waiting for you (connection too slow)."));
      closingStarted = true;
    }
    return accepted;
  }

  private boolean closingStarted;

  /** Sends a last frame, then flushes and closes; cuts the connection if that takes too long. */
  private Behavior<Command> closeWith(java.util.function.BooleanSupplier lastFrame) {
    closingStarted = true;
    port.closing();
    lastFrame.getAsBoolean();
    uploads.abandonAll();
    releasePendingAck();
    port.close();
    timers.startSingleTimer(CloseTimedOut.INSTANCE, settings.closeTimeout());
    return closing();
  }

  private Behavior<Command> onCloseTimedOut() {
    context.getLog().info("Cutting off {}: it did not take its last frames within {}", nameOrPeer(), settings.closeTimeout());
    return Behaviors.stopped();
  }

  private Behavior<Command> onInboundFailed(InboundFailed failed) {
    context.getLog().debug("Connection of {} failed: {}", nameOrPeer(), failed.cause().toString());
    return Behaviors.stopped();
  }

  private Behavior<Command> onPostStop() {
    port.abort();
    if (nick != null) {
      context.getLog().info("{} disconnected", nick);
    }
    return Behaviors.same();
  }

  private void releasePendingAck() {
    if (replyHeldAck != null) {
      replyHeldAck.tell(Ack.INSTANCE);
      replyHeldAck = null;
    }
    if (pendingAck != null) {
      pendingAck.tell(Ack.INSTANCE);
      pendingAck = null;
    }
    if (floodHeldAck != null) {
      floodHeldAck.tell(Ack.INSTANCE);
      floodHeldAck = null;
    }
  }

  private String nameOrPeer() {
    return nick != null ? nick : peer;
  }
}
