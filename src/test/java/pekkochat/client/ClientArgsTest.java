package pekkochat.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The client's command line, as the seed's run_client.py and our scripts pass it. */
class ClientArgsTest {

  @Test
  void theSeedsCommandLine() throws Exception {
    ClientArgs a = ClientArgs.parse("127.0.0.1", "-p", "12001", "-u", "alice");
    assertEquals("127.0.0.1", a.host());
    assertEquals(Optional.of(12001), a.port());
    assertEquals("alice", a.username());
    assertFalse(a.tls());
    assertFalse(a.help());
    assertEquals(Optional.empty(), a.configFile());
  }

  @Test
  void valuesAfterEqualsOrGluedToShortOptionsAndInAnyOrder() throws Exception {
    ClientArgs a = ClientArgs.parse("--config=/etc/c.conf", "-ubob", "--port=7", "host.lan", "--trust-store", "t.p12",
        "--trust-store-password=s3cret");
    assertEquals("host.lan", a.host());
    assertEquals(Optional.of(7), a.port());
    assertEquals("bob", a.username());
    assertEquals(Optional.of(Path.of("/etc/c.conf")), a.configFile());
    assertEquals(Optional.of(Path.of("t.p12")), a.trustStore());
    assertEquals(Optional.of("s3cret"), a.trustStorePassword());
    assertEquals(Optional.of(9), ClientArgs.parse("h", "-p=9", "-u", "x").port());
    assertTrue(ClientArgs.parse("h", "-u", "x", "--tls").tls());
  }

  @Test
  void aNameThatLooksLikeAnOptionCanFollowItsFlagOrTheDoubleDash() throws Exception {
    assertEquals("-dash", ClientArgs.parse("h", "-u", "-dash").username());
    assertEquals("-host", ClientArgs.parse("-u", "x", "--", "-host").host());
  }

  @Test
  void helpNeedsNothingElse() throws Exception {
    assertTrue(ClientArgs.parse("--help").help());
    assertTrue(ClientArgs.parse("h", "-h").help());
    assertTrue(ClientArgs.USAGE.contains("-u, --username USERNAME"));
  }

  @Test
  void mistakesAreSaidInOneLine() {
    assertEquals("Missing the server's HOST", message("-u", "x"));
    assertEquals("Missing -u USERNAME", message("h"));
    assertEquals("Missing value for -p", message("h", "-u", "x", "-p"));
    assertEquals("Invalid port 'abc': a number from 1 to 65535", message("h", "-u", "x", "-p", "abc"));
    assertEquals("Invalid port '70000': a number from 1 to 65535", message("h", "-u", "x", "--port=70000"));
    assertEquals("Unknown option: '-x'", message("h", "-u", "x", "-x"));
    assertEquals("Unknown option: '--tlsx'", message("h", "-u", "x", "--tlsx"));
    assertEquals("--tls takes no value", message("h", "-u", "x", "--tls=yes"));
    assertEquals("Unexpected argument: 'two' (the host is 'one')", message("one", "two", "-u", "x"));
    assertEquals("Unknown option: '-^[[2J'", message("h", "-u", "x", "-\u001b[2J"));
  }

  private static String message(String... args) {
    return assertThrows(ClientArgs.Invalid.class, () -> ClientArgs.parse(args)).getMessage();
  }
}
