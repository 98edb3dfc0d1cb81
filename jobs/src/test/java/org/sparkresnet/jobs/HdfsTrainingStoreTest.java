package org.sparkresnet.jobs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** {@link TrainingStoreContract} on a real HDFS: an in-process MiniDFSCluster (a name node and one data node); every path an hdfs:// URI. */
class HdfsTrainingStoreTest extends TrainingStoreContract {
    private MiniHdfs hdfs;

    @Override
    void startStore(Configuration sparkConf) throws Exception {
        hdfs = MiniHdfs.start("jobs-minidfs");
    }

    @Override
    Path root() {
        return new Path(hdfs.uri(), "/jobs-test");
    }

    @Override
    void stopStore() throws Exception {
        if (hdfs != null) {
            hdfs.close();
        }
    }
}
