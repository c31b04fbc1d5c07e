package pekkochat.files;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import pekkochat.chat.FileAnnounced;

/**
 * The file service's actor face: the chat core tells it how many recipients each file's
 * announcement reached ({@link FileAnnounced}), so that the {@link Spool} lets the file go as
 * soon as all of them have taken hold of it and are done, rather than after {@code
 * file-announce-hold}. It lives as long as the server, so the count arrives even when the
 * uploading session has already gone.
 */
public final class FileService {

  private FileService() {}

  public static Behavior<FileAnnounced> create(Spool spool) {
    return Behaviors.receive(FileAnnounced.class)
        .onMessage(FileAnnounced.class, announced -> {
          spool.find(announced.fileId()).ifPresent(file -> file.expectReaders(announced.recipients()));
          return Behaviors.same();
        })
        .build();
  }
}
