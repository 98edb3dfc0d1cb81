package org.sparkresnet.deploy;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real HDFS (NameNode + DataNode) and a real YARN (ResourceManager + one NodeManager) in this JVM, and the
 * HADOOP_CONF_DIR a client needs to reach them. The settings follow Spark's own BaseYarnClusterSuite: no disk-health
 * check, the capacity scheduler's default queue spelled out (capacity-scheduler.xml is not in the minicluster jar),
 * and a wait until the ResourceManager's port is bound. The NodeManager enforces physical memory (YARN's default)
 * but not virtual memory (which a JVM with native libraries always exceeds, and clusters commonly switch off).
 */
final class YarnMiniCluster implements AutoCloseable {
    final MiniDFSCluster hdfs;
    final MiniYARNCluster yarn;
    final YarnClient client;
    /** core-site.xml (fs.defaultFS = the mini HDFS) and yarn-site.xml (the ResourceManager's addresses). */
    final Path confDir;

    private YarnMiniCluster(MiniDFSCluster hdfs, MiniYARNCluster yarn, YarnClient client, Path confDir) {
        this.hdfs = hdfs;
        this.yarn = yarn;
        this.client = client;
        this.confDir = confDir;
    }

    static YarnMiniCluster start(Path work, int nodeMemoryMb, int nodeVcores) throws IOException, InterruptedException {
        Configuration hdfsConf = new Configuration();
        hdfsConf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, work.resolve("hdfs").toString());
        MiniDFSCluster hdfs = new MiniDFSCluster.Builder(hdfsConf).numDataNodes(1).build();

        YarnConfiguration conf = new YarnConfiguration();
        conf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
        conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
        conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        conf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
        conf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
        // MiniYARNCluster gives its NodeManagers yarn.minicluster.yarn.nodemanager.resource.memory-mb (default 4096), not NM_PMEM_MB
        conf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, nodeMemoryMb);
        conf.setInt(YarnConfiguration.NM_PMEM_MB, nodeMemoryMb);
        conf.setInt(YarnConfiguration.NM_VCORES, nodeVcores);
        // containers are granted in steps of the minimum allocation: 64 MiB keeps a container's size what Spark asked for
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 64);
        conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, true);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        conf.set(FileSystem.FS_DEFAULT_NAME_KEY, hdfs.getFileSystem().getUri().toString());

        MiniYARNCluster yarn = new MiniYARNCluster("yarn-cluster-it", 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        // MiniYARNCluster.start may return before the ResourceManager has put its bound port into the configuration
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
            if (System.nanoTime() > deadline) {
                yarn.stop();
                hdfs.shutdown();
                throw new IllegalStateException("the mini YARN ResourceManager did not bind its port within 30 s");
            }
            Thread.sleep(100);
        }

        Path confDir = Files.createDirectories(work.resolve("hadoop-conf"));
        Configuration core = new Configuration(false);
        core.set(FileSystem.FS_DEFAULT_NAME_KEY, hdfs.getFileSystem().getUri().toString());
        write(core, confDir.resolve("core-site.xml"));
        Configuration yarnSite = new Configuration(false);
        for (Map.Entry<String, String> e : yarn.getConfig()) {
            if (e.getKey().startsWith("yarn.")) {
                yarnSite.set(e.getKey(), e.getValue());
            }
        }
        write(yarnSite, confDir.resolve("yarn-site.xml"));

        YarnClient client = YarnClient.createYarnClient();
        client.init(yarn.getConfig());
        client.start();
        return new YarnMiniCluster(hdfs, yarn, client, confDir);
    }

    String hdfsUri() throws IOException {
        return hdfs.getFileSystem().getUri().toString();
    }

    /** Where the NodeManager keeps each container's stdout and stderr: LOGDIR/APPLICATION/CONTAINER/stderr. */
    Path nodeManagerLogDir() {
        return Path.of(yarn.getNodeManager(0).getConfig().get(YarnConfiguration.NM_LOG_DIRS).split(",")[0]);
    }

    private static void write(Configuration conf, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            conf.writeXml(out);
        }
    }

    @Override
    public void close() {
        try {
            client.stop();
            yarn.stop();
        } finally {
            hdfs.shutdown();
        }
    }
}
