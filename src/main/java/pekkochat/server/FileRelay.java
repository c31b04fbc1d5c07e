package pekkochat.server;

import java.util.HashSet;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Holds one spooled file for its recipients while it is delivered: each recipient streams it from
 * disk at its own pace, and this actor lets go of the file (which is deleted once the upload has
 * let go too) when every recipient has finished, failed or gone away.
 * Recipients are watched, so a session that dies before its stream even started still counts.
 */
final class FileRelay extends AbstractBehavior<FileRelay.Command> {

  sealed interface Command {}

  /** A recipient's stream of the file ended, completely or not. */
  record Finished(ActorRef<Session.Command> recipient, boolean complete) implements Command {}

  private record RecipientGone(ActorRef<Session.Command> recipient) implements Command {}

  static Behavior<Command> create(SpoolFile file, Set<ActorRef<Session.Command>> recipients) {
    return Behaviors.setup(context -> new FileRelay(context, file, recipients));
  }

  private final SpoolFile file;
  private final Set<ActorRef<Session.Command>> pending;

  private FileRelay(ActorContext<Command> context, SpoolFile file, Set<ActorRef<Session.Command>> recipients) {
    super(context);
    this.file = file;
    this.pending = new HashSet<>(recipients);
    recipients.forEach(r -> context.watchWith(r, new RecipientGone(r)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Finished.class, f -> {
          if (!f.complete()) {
            getContext().getLog().info("{} did not receive {} completely", f.recipient().path().name(), file.path().getFileName());
          }
          return done(f.recipient());
        })
        .onMessage(RecipientGone.class, g -> done(g.recipient()))
        .onSignal(PostStop.class, s -> {
          file.releaseReaders();
          return this;
        })
        .build();
  }

  private Behavior<Command> done(ActorRef<Session.Command> recipient) {
    if (pending.remove(recipient)) {
      getContext().unwatch(recipient);
    }
    return pending.isEmpty() ? Behaviors.stopped() : this;
  }
}
