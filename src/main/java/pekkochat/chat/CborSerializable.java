package pekkochat.chat;

/**
 * Marks a message that may cross a node or be stored: bound to Pekko's Jackson CBOR serializer in
 * {@code reference.conf} ({@code pekko.actor.serialization-bindings}). Every message of the chat
 * core implements it, and a test runs the core with {@code pekko.actor.serialize-messages = on}, so
 * a field that cannot be serialized fails the build rather than the first cluster.
 */
public interface CborSerializable {}
