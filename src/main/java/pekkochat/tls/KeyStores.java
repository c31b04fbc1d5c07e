package pekkochat.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import pekkochat.Failures;

/** Reads PKCS12 files, turning each way they can be unusable into a one-line reason. */
final class KeyStores {

  /** TLS versions both ends allow; older ones have known weaknesses. */
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private KeyStores() {}

  /**
   * Loads {@code file} as PKCS12. A null {@code password} reads a store without integrity
   * protection (a trust store of certificates only); {@code what} names the store in errors
   * ({@code "TLS key store"}).
   */
  static KeyStore load(Path file, char[] password, String what) throws TlsSetupException {
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
      return store;
    } catch (NoSuchFileException e) {
      throw problem(what, file, "no such file", e);
    } catch (AccessDeniedException e) {
      throw problem(what, file, "permission denied", e);
    } catch (IOException e) {
      if (e.getCause() instanceof UnrecoverableKeyException) {
        throw problem(what, file, "wrong password", e);
      }
      if (Files.isDirectory(file)) {
        throw problem(what, file, "it is a directory", e);
      }
      throw problem(what, file, "not a readable PKCS12 file (" + Failures.rootMessage(e) + ")", e);
    } catch (GeneralSecurityException e) {
      throw problem(what, file, Failures.rootMessage(e), e);
    }
  }

  static TlsSetupException problem(String what, Path file, String reason, Throwable cause) {
    return new TlsSetupException("cannot use " + what + " " + file + ": " + reason, cause);
  }
}
