package org.sparkresnet.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

/** Topological order of a graph configuration, ties broken by the order vertices were added. */
final class GraphOrder {
    private GraphOrder() {
    }

    /** Inputs first, then every vertex after all of its inputs. */
    static List<String> topological(ComputationGraphConfiguration configuration) {
        Set<String> all = new LinkedHashSet<>(configuration.getNetworkInputs());
        all.addAll(configuration.getVertices().keySet());
        Map<String, Integer> pendingInputs = new HashMap<>();
        Map<String, List<String>> consumers = new HashMap<>();
        for (String vertex : all) {
            List<String> inputs = configuration.getVertexInputs().getOrDefault(vertex, List.of());
            pendingInputs.put(vertex, inputs.size());
            for (String input : inputs) {
                consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(vertex);
            }
        }
        Deque<String> ready = new ArrayDeque<>();
        all.stream().filter(v -> pendingInputs.get(v) == 0).forEach(ready::add);
        List<String> order = new ArrayList<>(all.size());
        while (!ready.isEmpty()) {
            String vertex = ready.poll();
            order.add(vertex);
            for (String consumer : consumers.getOrDefault(vertex, List.of())) {
                if (pendingInputs.merge(consumer, -1, Integer::sum) == 0) {
                    ready.add(consumer);
                }
            }
        }
        if (order.size() != all.size()) {
            throw new IllegalArgumentException("graph configuration has a cycle or a dangling input");
        }
        return order;
    }
}
