package org.sparkresnet.jobs.scaling;

/**
 * What distribution costs per iteration as the cluster grows, for both training modes, from measured inputs (the
 * compute time of a step, the encoder's message sizes and speeds) and the way dl4j-spark moves the bytes. All
 * sizes in bytes, times in seconds, links in bytes/s per node (full duplex, no other traffic).
 *
 * <p>Parameter averaging, per round of {@code averagingFrequency} steps: the driver broadcasts parameters and updater
 * state ({@code stateBytes}; Spark's torrent broadcast: each node downloads it once, the driver uploads about one
 * copy); every worker returns its state as a task result, and Spark's treeAggregate (depth d) sums them in
 * ceil(W^(1/d))-wide levels through shuffles: each level's reducer receives {@code fanIn} states, and the driver
 * receives the last level's. The busiest link is the driver's, or a reducer's: fanIn x stateBytes a round, with
 * fanIn = ceil(W^(1/d)). Plus a fixed per-round scheduling cost per task the driver launches.
 *
 * <p>Gradient sharing, per step: each worker encodes its update once and the parameter server's mesh (dl4j's
 * MeshOrganizer: a tree, the driver at the root, at most 8 children per node) delivers every worker's message to every
 * other: a node receives W-1 messages, and a node with k children forwards each message from outside a child's subtree
 * to it, about k x W messages a step at the root. Every received message is decoded into the local parameters.
 * A message's size is the encoder's: 4 bytes per element sent (sparse, below 1/16 of the elements) or a 2-bit bitmap
 * of all elements (above). With a fixed fraction per worker, W x message grows with W; with a fixed budget for all
 * workers together (fraction = budget / W), it does not.
 */
public final class CommunicationModel {
    /** dl4j's MeshOrganizer.MAX_DOWNSTREAMS: children per node of the parameter server's tree. */
    public static final int MESH_FANOUT = 8;

    private CommunicationModel() {
    }

    /** One projection at W workers: compute and distribution seconds of one round (averaging) or step (sharing). */
    public record Projection(int workers, double computeSeconds, double communicationSeconds, String bottleneck) {
        public double efficiency() {
            return computeSeconds / (computeSeconds + communicationSeconds);
        }
    }

    /**
     * One round of parameter averaging at W workers (compute: averagingFrequency steps).
     *
     * @param stateBytes     parameters + updater state, float32, as broadcast and returned
     * @param stepSeconds    one worker's compute time for one minibatch
     * @param perTaskSeconds the driver's scheduling cost per task launched
     */
    public static Projection averaging(int workers, long stateBytes, double stepSeconds, int averagingFrequency, int aggregationDepth,
                                       double linkBytesPerSecond, double perTaskSeconds) {
        double broadcast = stateBytes / linkBytesPerSecond;
        double upload = workers <= 1 ? 0 : stateBytes / linkBytesPerSecond; // each worker's result leaves it once
        // Spark's RDD.treeAggregate: levels of `scale`-wide partial sums while that still pays, then the driver takes the rest
        int scale = Math.max((int) Math.ceil(Math.pow(workers, 1.0 / aggregationDepth)), 2);
        int partitions = workers;
        double levels = 0;
        while (partitions > scale + (int) Math.ceil((double) partitions / scale)) {
            partitions = (int) Math.ceil((double) partitions / scale);
            levels += scale * (double) stateBytes / linkBytesPerSecond;
        }
        double driver = partitions * (double) stateBytes / linkBytesPerSecond;
        double perRound = broadcast + upload + levels + driver + workers * perTaskSeconds;
        String bottleneck = "driver receives " + partitions + " states" + (levels > 0 ? " after levels of " + scale : "");
        return new Projection(workers, averagingFrequency * stepSeconds, perRound, bottleneck);
    }

    /**
     * @param messageBytes  one worker's encoded update at W workers
     * @param encodeSeconds encoding one update (threshold selection and residual included)
     * @param decodeSeconds decoding one received message into the parameters
     */
    public static Projection sharing(int workers, long messageBytes, double stepSeconds, double encodeSeconds, double decodeSeconds,
                                     double linkBytesPerSecond) {
        if (workers <= 1) {
            return new Projection(workers, stepSeconds, encodeSeconds, "none");
        }
        double received = (workers - 1) * (double) messageBytes;
        int rootChildren = Math.min(MESH_FANOUT, workers);
        double rootForwarded = (rootChildren - 1) * (double) workers * messageBytes; // every message to the other subtrees
        double network = Math.max(received, rootForwarded) / linkBytesPerSecond;
        double decode = (workers - 1) * decodeSeconds;
        String bottleneck = rootForwarded > received ? "the mesh root (driver) forwards " + (rootChildren - 1) + " x W messages" : "receiving W-1 messages";
        if (decode > network) {
            bottleneck = "decoding W-1 messages";
        }
        return new Projection(workers, stepSeconds, encodeSeconds + network + decode, bottleneck);
    }

    /** The encoder's message size for {@code elements} values with {@code fraction} of them sent (dl4j's threshold/bitmap choice). */
    public static long messageBytes(long elements, double fraction) {
        long sent = (long) Math.ceil(elements * fraction);
        long sparse = 4L * (sent + 4); // int32 per element (index and sign) after a 4-int header
        long bitmap = 4L * ((elements + 15) / 16 + 4); // 2 bits per element in int32 words, after the header
        return fraction < 1.0 / 16 ? sparse : bitmap;
    }
}
