package pekkochat.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkWriterTest {

  @TempDir Path dir;

  private final ExecutorService io = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() {
    io.shutdownNow();
  }

  @Test
  void writesChunksInOrderAndCountsThem() throws Exception {
    Path file = dir.resolve("out.bin");
    ChunkWriter writer = ChunkWriter.open(file, io);
    writer.write(ByteString.fromString("hello "));
    writer.write(ByteString.fromString("world")).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(11, writer.written());
    writer.close().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertArrayEquals("hello world".getBytes(), Files.readAllBytes(file));
  }

  @Test
  void aFullDiskFailsTheWriteAndTheCloseAndStillReleasesTheFile() throws Exception {
    // /dev/full takes the open and fails every write with ENOSPC: a real full disk.
    assumeTrue(new File("/dev/full").canWrite() && new File("/proc/self/fd").isDirectory());
    int before = openFiles();
    ChunkWriter writer = ChunkWriter.open(Path.of("/dev/full"), io);
    ExecutionException write =
        assertThrows(
            ExecutionException.class,
            () -> writer.write(ByteString.fromString("x")).toCompletableFuture().get(5, TimeUnit.SECONDS));
    assertTrue(write.getCause().getMessage().contains("No space left on device"), write.getCause().toString());
    // Every later operation fails with the same cause ...
    ExecutionException close =
        assertThrows(ExecutionException.class, () -> writer.close().toCompletableFuture().get(5, TimeUnit.SECONDS));
    assertTrue(close.getCause().getMessage().contains("No space left on device"), close.getCause().toString());
    // ... but closing really closed the channel: no file descriptor is left behind.
    assertEquals(before, openFiles());
    assertEquals(0, writer.written());
  }

  @Test
  void discardRemovesTheFile() throws Exception {
    Path file = dir.resolve("gone.bin");
    ChunkWriter writer = ChunkWriter.open(file, io);
    writer.write(ByteString.fromString("partial"));
    writer.discard().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertFalse(Files.exists(file));
  }

  /**
   * Descriptors of this JVM open on /dev/full: only this test opens it, so unlike a count of all
   * descriptors this is not upset by whatever else the JVM is doing.
   */
  private static int openFiles() {
    int n = 0;
    for (File fd : Objects.requireNonNull(new File("/proc/self/fd").listFiles())) {
      try {
        if (Files.readSymbolicLink(fd.toPath()).toString().equals("/dev/full")) {
          n++;
        }
      } catch (java.io.IOException gone) {
        // closed while we looked (the listing's own descriptor, say)
      }
    }
    return n;
  }
}
