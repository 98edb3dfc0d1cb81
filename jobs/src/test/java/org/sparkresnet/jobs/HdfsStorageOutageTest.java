package org.sparkresnet.jobs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@link StorageOutageContract} on HDFS: a MiniDFSCluster whose only DataNode is stopped and started again on the same
 * ports with its blocks. The NameNode stays up (renames and deletes still work; every read and write of data fails),
 * and still counts the stopped DataNode as live, as it does for minutes after a real one dies, so the client is sent to
 * it, is refused and has no other node to try. A real cluster's other replicas would ride the outage out.
 */
class HdfsStorageOutageTest extends StorageOutageContract {
    private MiniHdfs hdfs;

    @Override
    void startStore(Configuration sparkConf) throws Exception {
        hdfs = MiniHdfs.start("hdfs-outage");
    }

    @Override
    void stopService() {
        hdfs.stopDataNode();
    }

    @Override
    void restartService() throws Exception {
        hdfs.restartDataNode();
    }

    @Override
    void stopStore() throws Exception {
        if (hdfs != null) {
            hdfs.close();
        }
    }

    @Override
    Path root() {
        return new Path(hdfs.uri(), "/outage");
    }
}
