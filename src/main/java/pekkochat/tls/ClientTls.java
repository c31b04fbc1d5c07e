package pekkochat.tls;

import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.Optional;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import pekkochat.Failures;
import pekkochat.config.ClientSettings;

/**
 * The client's side of TLS: trust in the certificates of a PKCS12 trust store, or the JVM's
 * default trust (the system's certificate authorities) when there is none, and a client-mode
 * {@link SSLEngine} per connection that also checks that the certificate names the host
 * connected to.
 */
public final class ClientTls {

  private static final String WHAT = "TLS trust store";

  private final X509ExtendedTrustManager trust;

  private ClientTls(X509ExtendedTrustManager trust) {
    this.trust = trust;
  }

  public static ClientTls load(ClientSettings.Tls settings) throws TlsSetupException {
    Optional<Path> file = settings.trustStore();
    try {
      KeyStore store = null;
      if (file.isPresent()) {
        // A store of certificates only needs no password: they are public, so it may have none.
        String password = settings.trustStorePassword();
        KeyStore loaded = KeyStores.load(file.get(), password.isEmpty() ? null : password.toCharArray(), WHAT);
        if (Collections.list(loaded.aliases()).stream().noneMatch(alias -> hasCertificate(loaded, alias))) {
          throw KeyStores.problem(
              WHAT,
              file.get(),
              password.isEmpty()
                  ? "it holds no certificate that can be read without a password (set trust-store-password)"
                  : "it holds no certificates",
              null);
        }
        store = loaded;
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509ExtendedTrustManager x509) {
          return new ClientTls(x509);
        }
      }
      throw new TlsSetupException("no X.509 trust manager in this JVM");
    } catch (GeneralSecurityException e) {
      String where = file.map(Path::toString).orElse("(the JVM's default)");
      throw new TlsSetupException("cannot use " + WHAT + " " + where + ": " + Failures.rootMessage(e), e);
    }
  }

  private static boolean hasCertificate(KeyStore store, String alias) {
    try {
      return store.getCertificate(alias) != null;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * A client-mode engine for one connection to {@code host}: TLS 1.3 or 1.2, and the server's
   * certificate must be trusted and name {@code host} (a DNS name or IP address in its subject
   * alternative names), as HTTPS checks it.
   *
   * <p>{@code refused} hears why the certificate was refused, before the handshake fails: the
   * stream's own failure does not reliably get through (the TLS stage cancels the sending side
   * first, and a coupled connection then just completes).
   */
  public SSLEngine newEngine(String host, int port, Consumer<CertificateException> refused) {
    SSLContext context;
    try {
      context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new Reporting(trust, refused)}, null);
    } catch (GeneralSecurityException e) {
      // "TLS" is a standard name every JVM supports, and init takes our own trust manager.
      throw new IllegalStateException("cannot create a TLS context", e);
    }
    SSLEngine engine = context.createSSLEngine(host, port);
    engine.setUseClientMode(true);
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setProtocols(KeyStores.PROTOCOLS);
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    engine.setSSLParameters(parameters);
    return engine;
  }

  /** The JVM's trust manager (which checks the chain and, for an engine, the host name), reporting refusals. */
  private static final class Reporting extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager delegate;
    private final Consumer<CertificateException> refused;

    Reporting(X509ExtendedTrustManager delegate, Consumer<CertificateException> refused) {
      this.delegate = delegate;
      this.refused = refused;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      try {
        delegate.checkServerTrusted(chain, authType, engine);
      } catch (CertificateException e) {
        refused.accept(e);
        throw e;
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      try {
        delegate.checkServerTrusted(chain, authType, socket);
      } catch (CertificateException e) {
        refused.accept(e);
        throw e;
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      try {
        delegate.checkServerTrusted(chain, authType);
      } catch (CertificateException e) {
        refused.accept(e);
        throw e;
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      delegate.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return delegate.getAcceptedIssuers();
    }
  }
}
