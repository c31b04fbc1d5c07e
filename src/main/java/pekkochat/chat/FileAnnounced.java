package pekkochat.chat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The chat core announced file {@code fileId} to {@code recipients} users: told to the file
 * service that holds it (see {@code pekkochat.files.FileService}), which then knows when every
 * recipient has taken hold of it, whether or not its sender is still connected.
 */
public record FileAnnounced(@JsonProperty("fileId") String fileId, @JsonProperty("recipients") int recipients)
    implements CborSerializable {
  @JsonCreator
  public FileAnnounced {}
}
