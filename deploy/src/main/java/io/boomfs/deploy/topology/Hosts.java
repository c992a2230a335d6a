package io.boomfs.deploy.topology;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.Locale;

/** Which host names are this machine: {@code boom up} starts the nodes of this host only. */
public final class Hosts {
    private Hosts() {
    }

    /** One spelling per host for the loopback names, so that 127.0.0.1 and localhost share their ports. */
    static String canonical(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.equals("::1") || h.startsWith("127.") ? "127.0.0.1" : h;
    }

    /** Whether {@code host} names this machine: loopback, its host name, or an address of one of its interfaces. */
    public static boolean isLocal(String host) {
        if (canonical(host).equals("127.0.0.1")) {
            return true;
        }
        try {
            if (host.equalsIgnoreCase(InetAddress.getLocalHost().getHostName())) {
                return true;
            }
            InetAddress a = InetAddress.getByName(host);
            return a.isAnyLocalAddress() || a.isLoopbackAddress() || NetworkInterface.getByInetAddress(a) != null;
        } catch (UnknownHostException | SocketException e) {
            return false;
        }
    }

    /** This machine's addresses, for a message that says no node of a topology is here. */
    public static String describeLocal() {
        try {
            StringBuilder sb = new StringBuilder("127.0.0.1, localhost, " + InetAddress.getLocalHost().getHostName());
            for (NetworkInterface i : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                Collections.list(i.getInetAddresses()).stream().filter(a -> !a.isLoopbackAddress())
                    .forEach(a -> sb.append(", ").append(a.getHostAddress()));
            }
            return sb.toString();
        } catch (UnknownHostException | SocketException e) {
            return "127.0.0.1, localhost";
        }
    }
}
