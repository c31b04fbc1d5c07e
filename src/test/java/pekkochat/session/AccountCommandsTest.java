package pekkochat.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** {@code /register} and {@code /login} as typed, and that neither ever prints its password. */
class AccountCommandsTest {

  @Test
  void registerTakesTheRestOfTheLineAsThePassword() {
    assertEquals(new CommandLine.Register("two words"), CommandLine.parse("/REGISTER   two words  "));
    assertEquals(new CommandLine.Usage("/register <password>"), CommandLine.parse("/register"));
    assertEquals(new CommandLine.Usage("/register <password>"), CommandLine.parse("/register    "));
  }

  @Test
  void loginTakesANickThenThePassword() {
    assertEquals(new CommandLine.Login("alice", "open sesame"), CommandLine.parse("/login alice  open sesame "));
    assertEquals(new CommandLine.Usage("/login <nick> <password>"), CommandLine.parse("/login alice"));
    assertEquals(new CommandLine.Usage("/login <nick> <password>"), CommandLine.parse("/login alice   "));
    assertEquals(new CommandLine.Usage("/login <nick> <password>"), CommandLine.parse("/login"));
  }

  @Test
  void theirStringFormsHideThePassword() {
    assertFalse(CommandLine.parse("/register hunter22").toString().contains("hunter22"));
    assertFalse(CommandLine.parse("/login alice hunter22").toString().contains("hunter22"));
  }

  @Test
  void theAddressIsThePeersIpWithoutItsPort() {
    assertEquals("127.0.0.2", Session.address("/127.0.0.2:5432"));
    assertEquals("127.0.0.1", Session.address("localhost/127.0.0.1:12000"));
    assertEquals("0:0:0:0:0:0:0:1", Session.address("/0:0:0:0:0:0:0:1:12000"));
  }
}
