package pekkochat.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Key and trust stores for TLS tests, made the way {@code scripts/gen-dev-cert} makes them: a
 * self-signed key pair from the JDK's {@code keytool}, and a trust store holding its certificate.
 */
public final class TestCertificates {

  public static final String PASSWORD = "test-password";

  private TestCertificates() {}

  /** What to make: a PKCS12 key store at {@code file} for {@code dname} with {@code san}. */
  public record Spec(Path file, String dname, String san) {}

  /** Runs keytool once per spec, in parallel (each is a JVM start, most of the cost). */
  public static void generate(List<Spec> specs) throws IOException, InterruptedException {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<Process> running = new ArrayList<>();
    for (Spec spec : specs) {
      running.add(
          new ProcessBuilder(
                  keytool.toString(), "-J-XX:TieredStopAtLevel=1",
                  "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                  "-validity", "2", "-dname", spec.dname(), "-ext", "SAN=" + spec.san(),
                  "-storetype", "PKCS12", "-keystore", spec.file().toString(),
                  "-storepass", PASSWORD, "-keypass", PASSWORD)
              .redirectErrorStream(true)
              .start());
    }
    for (int i = 0; i < running.size(); i++) {
      Process p = running.get(i);
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("keytool failed for " + specs.get(i) + ": " + output);
      }
    }
  }

  /** Writes a PKCS12 trust store (password {@link #PASSWORD}) holding the key store's certificate. */
  public static Path trustStoreFor(Path keyStore, Path trustStore) throws IOException, GeneralSecurityException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", certificate(keyStore));
    try (OutputStream out = Files.newOutputStream(trustStore)) {
      trust.store(out, PASSWORD.toCharArray());
    }
    return trustStore;
  }

  /** An SSLContext for a test peer that trusts exactly the certificates in {@code trustStore}. */
  public static SSLContext clientContext(Path trustStore) throws IOException, GeneralSecurityException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(trustStore)) {
      trust.load(in, PASSWORD.toCharArray());
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  private static Certificate certificate(Path keyStore) throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keyStore)) {
      store.load(in, PASSWORD.toCharArray());
    }
    return store.getCertificate("server");
  }
}
