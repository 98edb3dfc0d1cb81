package org.sparkresnet.model.layers;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;

/** How many times ND4J executed the named ops while some work ran (ND4J's op profiler, switched off after). */
final class OpCounts {
    private OpCounts() {
    }

    static Map<String, Long> during(Runnable work, String... ops) {
        Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.ALL);
        OpProfiler.getInstance().reset();
        try {
            work.run();
            Map<String, Long> counts = new HashMap<>();
            for (String op : ops) {
                counts.put(op, OpProfiler.getInstance().getOpCounter().getCount(op));
            }
            return counts;
        } finally {
            Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.DISABLED);
            OpProfiler.getInstance().reset();
        }
    }
}
