package org.sparkresnet.jobs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/**
 * A real HDFS for the jobs' tests: an in-process MiniDFSCluster (a NameNode and one DataNode) in a temporary folder,
 * which closing shuts down and deletes. Its DataNode can be stopped and started again for outage tests.
 */
public final class MiniHdfs implements AutoCloseable {
    private final Path baseDir;
    private final MiniDFSCluster cluster;
    private final String uri;
    private MiniDFSCluster.DataNodeProperties stopped;

    private MiniHdfs(Path baseDir, MiniDFSCluster cluster) throws IOException {
        this.baseDir = baseDir;
        this.cluster = cluster;
        this.uri = cluster.getFileSystem().getUri().toString();
    }

    public static MiniHdfs start(String prefix) throws IOException {
        Path baseDir = Files.createTempDirectory(prefix);
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.toString());
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        return new MiniHdfs(baseDir, cluster);
    }

    /** hdfs://host:port, without a path. */
    public String uri() {
        return uri;
    }

    /** Stops the only DataNode (blocks kept); the NameNode stays up. */
    public void stopDataNode() {
        stopped = cluster.stopDataNode(0);
    }

    /** Starts the stopped DataNode again on its ports, with its blocks. */
    public void restartDataNode() throws IOException {
        cluster.restartDataNode(stopped, true);
        cluster.waitActive();
    }

    @Override
    public void close() throws IOException {
        cluster.shutdown(true);
        if (Files.exists(baseDir)) { // shutdown(true) normally deletes it
            try (var files = Files.walk(baseDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
