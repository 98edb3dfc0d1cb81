package org.sparkresnet.jobs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;

import java.nio.file.Files;

/**
 * {@link StorageOutageContract} on HDFS: a MiniDFSCluster whose only DataNode is stopped and started again on the same
 * ports with its blocks. The NameNode stays up (renames and deletes still work; every read and write of data fails),
 * and still counts the stopped DataNode as live, as it does for minutes after a real one dies, so the client is sent to
 * it, is refused and has no other node to try. A real cluster's other replicas would ride the outage out.
 */
class HdfsStorageOutageTest extends StorageOutageContract {
    private java.nio.file.Path baseDir;
    private MiniDFSCluster hdfs;
    private MiniDFSCluster.DataNodeProperties stopped;
    private String uri;

    @Override
    void startStore(Configuration sparkConf) throws Exception {
        baseDir = Files.createTempDirectory("hdfs-outage");
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.toString());
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        uri = hdfs.getFileSystem().getUri().toString();
    }

    @Override
    void stopService() {
        stopped = hdfs.stopDataNode(0);
    }

    @Override
    void restartService() throws Exception {
        hdfs.restartDataNode(stopped, true);
        hdfs.waitActive();
    }

    @Override
    void stopStore() throws Exception {
        if (hdfs != null) {
            hdfs.shutdown(true);
        }
        if (baseDir != null && Files.exists(baseDir)) {
            try (var files = Files.walk(baseDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Override
    Path root() {
        return new Path(uri, "/outage");
    }
}
