package org.sparkresnet.jobs.preflight;

import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.function.Function;
import org.sparkresnet.data.fs.SerializableConfiguration;
import org.sparkresnet.jobs.dl4jfix.AeronTermLength;
import org.sparkresnet.jobs.train.PerExecutorPortSupplier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The task preflight runs on every executor: the native runtime, memory against the container, the JVM flags, read
 * access to the data and write access to the output and, for gradient sharing, /dev/shm and the UDP exchange with the
 * driver on the executor's Aeron port. It never throws: whatever goes wrong is a failed check in its result.
 */
public final class ExecutorProbe implements Function<ExecutorRef, ExecutorResult> {
    private static final long serialVersionUID = 1L;

    /** What gradient sharing needs checked; null in averaging mode. */
    public record Sharing(int aeronPort, String networkMask, String driverAddress, String token, int executors,
                          Duration udpTimeout) implements java.io.Serializable {
    }

    private final List<String> expectedFlags;
    private final ContainerBudget budget;
    private final String data;
    private final List<String> splits;
    private final String output;
    private final SerializableConfiguration conf;
    private final Sharing sharing;

    public ExecutorProbe(List<String> expectedFlags, ContainerBudget budget, String data, List<String> splits, String output,
                         SerializableConfiguration conf, Sharing sharing) {
        this.expectedFlags = List.copyOf(expectedFlags);
        this.budget = budget;
        this.data = data;
        this.splits = List.copyOf(splits);
        this.output = output;
        this.conf = conf;
        this.sharing = sharing;
    }

    @Override
    public ExecutorResult call(ExecutorRef target) {
        SparkEnv env = SparkEnv.get();
        ExecutorRef self = new ExecutorRef(env.executorId(), env.blockManager().blockManagerId().host());
        String where = self.label();
        List<Check> checks = new ArrayList<>();
        UdpExchange.Result udp = null;
        if (sharing != null) {
            // first: the driver's receiver is open from before the job started, and the exchange takes milliseconds
            udp = exchange(self);
            checks.add(ShmCheck.evaluate(where, ShmCheck.aeronParent(),
                    AeronTermLength.sharedMemoryBytes(false, sharing.executors(), AeronTermLength.current())));
        }
        checks.add(JvmFlagsCheck.evaluate(where, expectedFlags, JvmFlagsCheck.thisJvmsArguments(), System.getProperties(), false));
        checks.add(NativeCheck.run(where));
        checks.add(memory(where));
        checks.add(StorageCheck.data(where, data, splits, conf.get()));
        checks.add(StorageCheck.output(where, output, conf.get(), "executor" + self.id()));
        return new ExecutorResult(self, checks, udp);
    }

    private Check memory(String where) {
        try {
            return MemoryCheck.evaluate(where, MemoryCheck.Facts.ofThisJvm(), budget);
        } catch (LinkageError | RuntimeException e) {
            return Check.fail(where, MemoryCheck.NAME, "cannot read JavaCPP's memory limits: " + NativeCheck.oneLine(e),
                    "see the native check: the JavaCPP jar (org.bytedeco:javacpp) must reach every executor");
        }
    }

    private UdpExchange.Result exchange(ExecutorRef self) {
        String address;
        int port;
        try {
            address = AeronAddresses.executor(sharing.networkMask(), System.getenv());
            port = new PerExecutorPortSupplier(sharing.aeronPort()).getPort();
        } catch (IllegalStateException e) {
            return new UdpExchange.Result("?", 0, e.getMessage(), 0, false, 0);
        }
        return UdpExchange.run(self.id(), address, port, sharing.driverAddress(), sharing.aeronPort(), sharing.token(), sharing.udpTimeout());
    }
}
