package pekkochat.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import pekkochat.Failures;
import pekkochat.config.ServerSettings;

/**
 * The server's side of TLS: an {@link SSLContext} built once, at start-up, from the PKCS12 key
 * store in the settings (so a bad one stops the server with a one-line reason before it listens),
 * and a fresh server-mode {@link SSLEngine} for each accepted connection.
 */
public final class ServerTls {

  private static final String WHAT = "TLS key store";

  private final SSLContext context;
  private final X509Certificate certificate;

  private ServerTls(SSLContext context, X509Certificate certificate) {
    this.context = context;
    this.certificate = certificate;
  }

  public static ServerTls load(ServerSettings.Tls settings) throws TlsSetupException {
    Path file =
        settings
            .keyStore()
            .orElseThrow(
                () -> new TlsSetupException("TLS is on but no key store is set (--key-store FILE, or pekko-chat.server.tls.key-store)"));
    char[] password = settings.keyStorePassword().toCharArray();
    KeyStore store = KeyStores.load(file, password, WHAT);
    try {
      String alias = keyAlias(store);
      if (alias == null) {
        throw KeyStores.problem(WHAT, file, "it holds no private key (is it a trust store?)", null);
      }
      try {
        store.getKey(alias, password);
      } catch (UnrecoverableKeyException e) {
        throw KeyStores.problem(WHAT, file, "the key's password is not the store's", e);
      }
      Certificate cert = store.getCertificate(alias);
      if (!(cert instanceof X509Certificate x509)) {
        throw KeyStores.problem(WHAT, file, "the key " + alias + " has no X.509 certificate", null);
      }
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return new ServerTls(context, x509);
    } catch (GeneralSecurityException e) {
      throw KeyStores.problem(WHAT, file, Failures.rootMessage(e), e);
    }
  }

  private static String keyAlias(KeyStore store) throws KeyStoreException {
    for (String alias : Collections.list(store.aliases())) {
      if (store.isKeyEntry(alias)) {
        return alias;
      }
    }
    return null;
  }

  /** A server-mode engine for one connection: TLS 1.3 or 1.2, no client certificate asked. */
  public SSLEngine newEngine() {
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(false);
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setProtocols(KeyStores.PROTOCOLS);
    parameters.setNeedClientAuth(false);
    engine.setSSLParameters(parameters);
    return engine;
  }

  /** The certificate the server presents (its first key entry's). */
  public X509Certificate certificate() {
    return certificate;
  }
}
