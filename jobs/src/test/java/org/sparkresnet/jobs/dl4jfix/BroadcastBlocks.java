package org.sparkresnet.jobs.dl4jfix;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BroadcastBlockId;
import scala.collection.JavaConverters;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/** What broadcasts the block managers still hold, for tests of the fixes that release them (local mode). */
public final class BroadcastBlocks {
    private BroadcastBlocks() {
    }

    /** Ids of the broadcasts whose value, held in this JVM's memory store, matches {@code value}. */
    public static Set<Long> held(JavaSparkContext sc, Predicate<Object> value) {
        Set<Long> held = new HashSet<>();
        var blocks = sc.env().blockManager();
        for (BlockId id : JavaConverters.seqAsJavaList(blocks.master().getMatchingBlockIds(
                block -> block instanceof BroadcastBlockId b && b.field().isEmpty(), true))) {
            scala.Option<scala.collection.Iterator<?>> values = blocks.memoryStore().getValues(id);
            if (values.isDefined() && values.get().hasNext() && value.test(values.get().next())) {
                held.add(((BroadcastBlockId) id).broadcastId());
            }
        }
        return held;
    }
}
