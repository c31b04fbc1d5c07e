package pekkochat.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file service's bookkeeping: quota, free space, files by id and who holds them. */
class SpoolTest {

  @TempDir Path dir;

  /**
   * spool-min-free-space ignored space reserved but not yet written: uploads that had only
   * announced their size could together promise more of the disk than there was.
   */
  @Test
  void theFreeSpaceCheckCountsWhatIsReservedButNotYetWritten() throws Exception {
    long usable = Files.getFileStore(dir).getUsableSpace();
    long mib = 1 << 20;
    // Leave room for about 3 MiB of files, whatever the disk.
    Spool spool = Spool.open(dir, Long.MAX_VALUE, usable - 3 * mib, Runnable::run);
    Spool.Reservation first = spool.reserve(2 * mib);
    assertNotNull(first.file(), "the first 2 MiB fit");
    Spool.Reservation second = spool.reserve(2 * mib);
    assertNull(second.file(), "2 MiB more do not, although none of the first is on the disk yet");
    assertEquals("the server's disk is nearly full", second.refusal());
    assertEquals(2 * mib, spool.promised());
  }

  @Test
  void aFileIsFoundByItsIdUntilEveryHolderHasLetGo() throws Exception {
    Spool spool = Spool.open(dir);
    SpoolFile file = spool.reserve(10).file();
    String id = file.id();
    SpoolFile recipient = spool.acquire(id).orElseThrow();
    file.releaseWriter();
    file.expectReaders(1); // the one recipient has it: the share hold goes
    assertTrue(spool.find(id).isPresent(), "still held by its recipient");
    recipient.release();
    assertFalse(spool.find(id).isPresent(), "gone once nobody holds it");
    assertTrue(spool.acquire(id).isEmpty(), "and cannot be taken again");
    assertEquals(0, spool.reserved());
  }

  @Test
  void theShareHoldIsReleasedOnceWhateverCallsIt() throws Exception {
    Spool spool = Spool.open(dir);
    SpoolFile file = spool.reserve(10).file();
    file.releaseShareHold();
    file.releaseShareHold(); // the fallback timer after the count: no double release
    assertTrue(spool.find(file.id()).isPresent(), "the writer still holds it");
    file.releaseWriter();
    assertFalse(spool.find(file.id()).isPresent());
  }
}
