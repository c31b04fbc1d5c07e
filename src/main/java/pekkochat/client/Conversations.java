package pekkochat.client;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import pekkochat.protocol.Message;

/**
 * The {@link Screen}'s conversations, in the order of the status line, with who is in each, and
 * every nick seen anywhere (what Tab completes); what frames of the original protocol and events
 * of the extended one tell about them. Which conversation is in view is the screen's business.
 *
 * <p>Not thread-safe: owned by the client actor.
 */
final class Conversations {

  private final List<Conversation> list = new ArrayList<>();
  /** Nicks seen anywhere, by lower-cased nick. */
  private final Map<String, String> nicks = new LinkedHashMap<>();

  /** All of them, in the order of the status line (numbered from 1). */
  List<Conversation> all() {
    return list;
  }

  boolean contains(Conversation c) {
    return list.contains(c);
  }

  void remove(Conversation c) {
    list.remove(c);
  }

  /** The first one, or a new unnamed one if there is none. */
  Conversation firstOrNone() {
    return list.isEmpty() ? new Conversation("") : list.get(0);
  }

  Optional<Conversation> find(String name) {
    return list.stream().filter(c -> c.name.equalsIgnoreCase(name)).findFirst();
  }

  Conversation findOrAdd(String name) {
    return find(name).orElseGet(() -> {
      Conversation c = new Conversation(name);
      list.add(c);
      return c;
    });
  }

  List<String> rooms() {
    return list.stream().filter(Conversation::room).map(c -> c.name).toList();
  }

  Collection<String> nicks() {
    return nicks.values();
  }

  void seen(String nick) {
    if (!nick.isEmpty()) {
      nicks.put(key(nick), nick);
    }
  }

  // --- events of the extended protocol --------------------------------------------------------

  /** ENTERED: the room, with its members as the server listed them. */
  Conversation entered(String room, String members) {
    Conversation c = findOrAdd(room);
    c.members.clear();
    names(members).forEach(n -> {
      c.members.put(key(n), n);
      seen(n);
    });
    return c;
  }

  void joined(String room, String nick) {
    find(room).ifPresent(c -> {
      c.members.put(key(nick), nick);
      seen(nick);
    });
  }

  void left(String room, String nick) {
    find(room).ifPresent(c -> c.members.remove(key(nick)));
  }

  /** NICK: {@code from} is {@code to} now, in every room and private conversation. */
  void renamed(String from, String to) {
    for (Conversation c : list) {
      if (c.members.remove(key(from)) != null) {
        c.members.put(key(to), to);
      }
      if (c.pm() && c.partner().equalsIgnoreCase(from)) {
        c.name = "@" + to;
      }
    }
    nicks.remove(key(from));
    seen(to);
  }

  /** A private line with {@code partner}: its conversation, opened if need be. */
  Conversation privateWith(String partner) {
    seen(partner);
    return findOrAdd("@" + partner);
  }

  // --- frames of the original protocol --------------------------------------------------------

  /**
   * What members and nicks a small frame tells; {@code plain} is the conversation whose members
   * the original protocol's joins and leaves are about (null with an extended server).
   */
  void learn(Message message, Conversation plain) {
    if (message instanceof Message.Join j && j.payload().endsWith(" joined the chat.")) {
      String nick = j.payload().substring(0, j.payload().length() - " joined the chat.".length());
      seen(nick);
      if (plain != null) {
        plain.members.put(key(nick), nick);
      }
    } else if (message instanceof Message.Leave l && l.payload().endsWith(" left the chat.") && plain != null) {
      plain.members.remove(key(l.payload().substring(0, l.payload().length() - " left the chat.".length())));
    } else if (message instanceof Message.Text t) {
      learn(t.text(), plain);
    }
  }

  private void learn(String text, Conversation plain) {
    int sep = text.indexOf("::");
    if (text.startsWith("[Server] Online users: ")) {
      List<String> names = names(text.substring("[Server] Online users: ".length()));
      names.forEach(this::seen);
      if (plain != null) {
        plain.members.clear();
        names.forEach(n -> plain.members.put(key(n), n));
      }
    } else if (text.startsWith("[Server] Users in ")) {
      int colon = text.indexOf(": ");
      if (colon > 0) {
        String room = text.substring("[Server] Users in ".length(), colon);
        List<String> names = names(text.substring(colon + 2));
        names.forEach(this::seen);
        find(room).ifPresent(c -> {
          c.members.clear();
          names.forEach(n -> c.members.put(key(n), n));
        });
      }
    } else if (!text.startsWith("[") && sep > 0) {
      String nick = text.substring(0, sep);
      seen(nick);
      if (plain != null) {
        plain.members.put(key(nick), nick);
      }
    }
  }

  private static List<String> names(String commaSeparated) {
    List<String> out = new ArrayList<>();
    for (String n : commaSeparated.split(",")) {
      if (!n.isBlank()) {
        out.add(n.strip());
      }
    }
    return out;
  }

  private static String key(String nick) {
    return nick.toLowerCase(Locale.ROOT);
  }
}
