package io.boomfs.engine.runtime;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.exceptions.RegistrationException;
import io.boomfs.engine.Tuple;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One node's network endpoint over Aeron UDP: a subscription on its own address
 * ({@code aeron:udp?endpoint=host:port}) decoded by a {@link FrameDecoder} (the adapter side),
 * and one publication per peer, created on first use (the publisher side).
 *
 * <p>Back-pressure never blocks the node: a frame that cannot be offered now waits in the
 * peer's bounded queue and is retried by {@link #flush} on later duty cycles, while the node
 * keeps polling. When the queue is full the oldest frame is dropped and counted (a lost message
 * is legal in Overlog; a silent loss is not). A publication whose peer went away (it was
 * connected, now it is not) is closed and rebuilt on next use, so that a restarted peer gets a
 * fresh session. A successful offer is not delivery; nothing here pretends it is.
 * Not thread-safe: the node's agent thread owns it.
 */
public final class AeronTransport implements AutoCloseable {
    public static final int STREAM_ID = 1001;

    private final Aeron aeron;
    private final AeronHost host;
    private final String address;
    private final String endpoint;
    private final Map<String, String> directory;
    private final java.util.Set<String> unknownLogged = new java.util.HashSet<>();
    private final AtomicLong unknownDestination = new AtomicLong();
    private final FrameEncoder encoder;
    private final FrameDecoder decoder;
    private final Subscription subscription;
    private final FragmentAssembler assembler;
    private final Map<String, Peer> peers = new HashMap<>();
    private final int maxQueuedFrames;
    private final Consumer<String> log;
    private Consumer<Tuple> sink;
    private final AtomicLong framesIn = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong tuplesIn = new AtomicLong();
    private final AtomicLong framesOut = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();
    private final AtomicLong tuplesOut = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedTuples = new AtomicLong();
    private final AtomicLong unencodable = new AtomicLong();
    private final AtomicLong rebuilt = new AtomicLong();

    /** A port that cannot be bound, said in one line. */
    public static final class EndpointException extends RuntimeException {
        public EndpointException(String message) {
            super(message);
        }
    }

    private final class Peer {
        final String address;
        final String channel;
        ExclusivePublication publication;
        boolean wasConnected;
        long nextAttemptMs;
        final ArrayDeque<byte[]> queue = new ArrayDeque<>();
        final ArrayDeque<Integer> queueTuples = new ArrayDeque<>();

        Peer(String address, String endpoint) {
            this.address = address;
            this.channel = "aeron:udp?endpoint=" + endpoint;
        }

        boolean ensure() {
            if (publication != null) {
                return true;
            }
            long now = System.currentTimeMillis();
            if (now < nextAttemptMs) {
                return false;
            }
            try {
                publication = aeron.addExclusivePublication(channel, STREAM_ID);
                wasConnected = false;
                return true;
            } catch (RuntimeException e) {
                nextAttemptMs = now + 100;
                log.accept("cannot create a publication to " + address + ": " + e.getMessage());
                return false;
            }
        }

        /** Offers one frame; true when it was taken by the publication. */
        boolean offer(DirectBuffer b, int offset, int length) {
            if (!ensure()) {
                return false;
            }
            long r = publication.offer(b, offset, length);
            if (r > 0) {
                wasConnected = true;
                return true;
            }
            if (r == Publication.NOT_CONNECTED && wasConnected || r == Publication.CLOSED || r == Publication.MAX_POSITION_EXCEEDED) {
                // The peer went away (or restarted): rebuild so that its successor gets a fresh session.
                publication.close();
                publication = null;
                rebuilt.incrementAndGet();
            }
            return false;
        }

        void enqueue(DirectBuffer b, int offset, int length, int tuples) {
            if (queue.size() >= maxQueuedFrames) {
                queue.pollFirst();
                droppedTuples.addAndGet(queueTuples.pollFirst());
                dropped.incrementAndGet();
            }
            byte[] copy = new byte[length];
            b.getBytes(offset, copy);
            queue.addLast(copy);
            queueTuples.addLast(tuples);
        }

        int flush() {
            int sent = 0;
            UnsafeBuffer ub = scratch;
            while (!queue.isEmpty()) {
                byte[] f = queue.peekFirst();
                ub.wrap(f);
                if (!offer(ub, 0, f.length)) {
                    break;
                }
                queue.pollFirst();
                countOut(f.length, queueTuples.pollFirst());
                sent++;
            }
            return sent;
        }
    }

    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[0]);

    /**
     * Subscribes on {@code endpoint} ("host:port"). The node's Overlog address is {@code address}
     * (its name, or the endpoint itself); {@code directory} maps the names of other nodes to
     * their endpoints, and a destination that is not in it must be a "host:port" itself.
     *
     * @throws EndpointException when the endpoint cannot be bound (in use, not local, malformed)
     */
    public AeronTransport(AeronHost host, String address, String endpoint, Map<String, String> directory, Schemas schemas,
                          int maxQueuedFrames, Consumer<String> log) {
        this(host, address, endpoint, directory, schemas, maxQueuedFrames, log, null);
    }

    /**
     * A transport of a cluster member when {@code auth} is not null: it signs every frame it
     * sends and accepts only what {@link FrameDecoder} lets through for a member (signed by a
     * member, or open relations). Null: no cluster key, nothing signed or checked.
     */
    public AeronTransport(AeronHost host, String address, String endpoint, Map<String, String> directory, Schemas schemas,
                          int maxQueuedFrames, Consumer<String> log, FrameAuth auth) {
        this.aeron = host.aeron();
        this.address = address;
        this.endpoint = endpoint;
        this.directory = Map.copyOf(directory);
        if (!endpoint.matches("[^:\\s]+:\\d{1,5}")) {
            throw new EndpointException("cannot listen on " + endpoint + ": not a HOST:PORT");
        }
        this.maxQueuedFrames = maxQueuedFrames;
        this.log = log;
        this.encoder = new FrameEncoder(schemas, address, AeronHost.MAX_FRAME_BYTES, auth);
        this.decoder = new FrameDecoder(schemas, 1 << 20, log, auth);
        this.host = host;
        if (!host.claim(endpoint)) {
            throw new EndpointException("cannot listen on " + endpoint + ": address already in use (by another node of this process)");
        }
        try {
            this.subscription = aeron.addSubscription("aeron:udp?endpoint=" + endpoint, STREAM_ID);
        } catch (RegistrationException e) {
            host.release(endpoint);
            String m = String.valueOf(e.getMessage());
            throw new EndpointException("cannot listen on " + endpoint + ": "
                + (m.contains("Address already in use") ? "address already in use" : m.replaceAll("\\s+", " ")));
        }
        this.assembler = new FragmentAssembler((buffer, offset, length, header) -> {
            framesIn.incrementAndGet();
            bytesIn.addAndGet(length);
            int n = decoder.decode(buffer, offset, length, sink);
            if (n > 0) {
                tuplesIn.addAndGet(n);
            }
        });
    }

    public String address() {
        return address;
    }

    /** Polls for inbound frames; every tuple of an accepted frame goes to {@code out}. Returns fragments read. */
    public int poll(Consumer<Tuple> out, int fragmentLimit) {
        this.sink = out;
        return subscription.poll(assembler, fragmentLimit);
    }

    /** Creates the publication to a peer now, so that its first message does not wait for it. */
    public void connect(String peer) {
        Peer p = peer(peer);
        if (p != null) {
            p.ensure();
        }
    }

    private Peer peer(String destination) {
        Peer p = peers.get(destination);
        if (p != null) {
            return p;
        }
        String ep = directory.get(destination);
        if (ep == null && destination.matches("[^:\\s=]+:\\d{1,5}")) {
            ep = destination;
        }
        if (ep == null) {
            return null;
        }
        p = new Peer(destination, ep);
        peers.put(destination, p);
        return p;
    }

    /** Sends tuples to one peer: offered now, or queued behind frames already waiting. */
    public void send(String destination, List<Tuple> tuples) {
        Peer p = peer(destination);
        if (p == null) {
            unknownDestination.addAndGet(tuples.size());
            if (unknownLogged.size() < 100 && unknownLogged.add(destination)) {
                log.accept(address + ": no endpoint for address " + destination
                    + " (not a peer, not HOST:PORT): its tuples are dropped and counted");
            }
            return;
        }
        p.flush();
        encoder.encode(tuples, new FrameEncoder.Sink() {
            @Override
            public void frame(DirectBuffer b, int offset, int length, int n) {
                if (p.queue.isEmpty() && p.offer(b, offset, length)) {
                    countOut(length, n);
                } else {
                    p.enqueue(b, offset, length, n);
                }
            }

            @Override
            public void oversized(Tuple t, String why) {
                unencodable.incrementAndGet();
                if (unencodable.get() <= 10) {
                    log.accept("cannot send " + t.relation() + " to " + destination + ": " + why + " (dropped and counted)");
                }
            }
        });
    }

    /** Retries queued frames; returns how many left. */
    public int flush() {
        int n = 0;
        for (Peer p : peers.values()) {
            if (!p.queue.isEmpty()) {
                n += p.flush();
            }
        }
        return n;
    }

    /** Frames waiting for back-pressure or a connection, over all peers. */
    public int queuedFrames() {
        int n = 0;
        for (Peer p : peers.values()) {
            n += p.queue.size();
        }
        return n;
    }

    /** Whether the publication to {@code peer} exists and is connected. */
    public boolean isConnected(String peer) {
        Peer p = peers.get(peer);
        return p != null && p.publication != null && p.publication.isConnected();
    }

    private void countOut(int bytes, int tuples) {
        framesOut.incrementAndGet();
        bytesOut.addAndGet(bytes);
        tuplesOut.addAndGet(tuples);
    }

    public FrameDecoder decoder() {
        return decoder;
    }

    public long framesIn() {
        return framesIn.get();
    }

    public long bytesIn() {
        return bytesIn.get();
    }

    public long tuplesIn() {
        return tuplesIn.get();
    }

    public long framesOut() {
        return framesOut.get();
    }

    public long bytesOut() {
        return bytesOut.get();
    }

    public long tuplesOut() {
        return tuplesOut.get();
    }

    /** Frames dropped because a peer's queue was full. */
    public long droppedFrames() {
        return dropped.get();
    }

    public long droppedTuples() {
        return droppedTuples.get();
    }

    /** Tuples that could not be sent at all (larger than a frame, or a value with no wire form). */
    public long unencodable() {
        return unencodable.get();
    }

    /** Tuples addressed to a destination with no known endpoint. */
    public long unknownDestination() {
        return unknownDestination.get();
    }

    public String endpoint() {
        return endpoint;
    }

    /** Publications closed and rebuilt because their peer went away. */
    public long rebuiltPublications() {
        return rebuilt.get();
    }

    @Override
    public void close() {
        for (Peer p : peers.values()) {
            if (p.publication != null) {
                p.publication.close();
            }
        }
        subscription.close();
        host.release(endpoint);
    }
}
