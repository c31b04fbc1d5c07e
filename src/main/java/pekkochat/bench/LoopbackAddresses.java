package pekkochat.bench;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Source addresses for many loopback connections. Linux routes all of 127.0.0.0/8 to the loopback
 * interface, so a client may bind its socket to 127.0.0.2, 127.0.0.3, ... before connecting to a
 * server on 127.0.0.1. Each source address has its own range of about 28,000 ephemeral ports
 * (32768-60999 by default), and sockets a previous run left in TIME_WAIT hold ports of the address
 * they used: spreading users over addresses keeps any one address far from running out.
 *
 * <p>User {@code i} (counted over all workers, from 0) gets address number {@code i / perAddress};
 * address number {@code k} is 127.0.0.2 + k, carrying into the higher bytes (127.0.1.0 follows
 * 127.0.0.255), which leaves 127.0.0.1 to the server.
 */
final class LoopbackAddresses {

  /** The most addresses there are after 127.0.0.1 in 127.0.0.0/8. */
  static final int MAX_ADDRESSES = (1 << 24) - 2;

  private final int perAddress;

  LoopbackAddresses(int perAddress) {
    if (perAddress < 1) {
      throw new IllegalArgumentException("users per address must be at least 1, not " + perAddress);
    }
    this.perAddress = perAddress;
  }

  int perAddress() {
    return perAddress;
  }

  /** How many addresses {@code users} users need. */
  int addressesFor(int users) {
    return (int) ((users + (long) perAddress - 1) / perAddress);
  }

  /** The source address of user {@code index}, as text ("127.0.0.2"). */
  String forUser(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("negative user index " + index);
    }
    int k = index / perAddress;
    if (k >= MAX_ADDRESSES) {
      throw new IllegalArgumentException("user " + index + " would need more than 127.0.0.0/8 holds");
    }
    int n = 2 + k;
    return "127." + ((n >>> 16) & 0xFF) + "." + ((n >>> 8) & 0xFF) + "." + (n & 0xFF);
  }

  /** {@link #forUser} as an address. */
  InetAddress addressForUser(int index) {
    try {
      return InetAddress.getByName(forUser(index)); // a literal: no name lookup
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code host} is a loopback address, where spreading over 127.0.0.0/8 works. */
  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress()
          && InetAddress.getByName(host).getAddress().length == 4;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
