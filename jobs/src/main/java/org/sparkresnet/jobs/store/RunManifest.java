package org.sparkresnet.jobs.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.sparkresnet.data.fs.HadoopFiles;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * run.json beside the final model.zip: what was trained how on what (the request, the data manifests' summary),
 * with which software, and how it ended. Written atomically after model.zip, so it also marks a finished run.
 */
public final class RunManifest {
    public static final String FILE_NAME = "run.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunManifest() {
    }

    public static Path write(Path outputDir, Configuration conf, Map<String, Object> content) {
        Path file = new Path(outputDir, FILE_NAME);
        Map<String, Object> doc = new LinkedHashMap<>(content);
        HadoopFiles.writeAtomically(file, conf, out -> out.write(JSON.writeValueAsBytes(doc)));
        return file;
    }

    /** Versions of what produced the model; a jar without a manifest version reports "unknown". */
    public static Map<String, String> versions(String sparkVersion) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("sparkResnet", version(RunManifest.class));
        v.put("deeplearning4j", version(org.deeplearning4j.nn.graph.ComputationGraph.class));
        v.put("dl4jSpark", version(org.deeplearning4j.spark.impl.graph.SparkComputationGraph.class));
        v.put("nd4jBackend", org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getName());
        v.put("spark", sparkVersion);
        v.put("java", System.getProperty("java.version"));
        return v;
    }

    private static String version(Class<?> c) {
        String v = c.getPackage().getImplementationVersion();
        if (v != null) {
            return v;
        }
        // Maven jars name their version in the file name: .../deeplearning4j-nn-1.0.0-M2.1.jar
        String location = String.valueOf(c.getProtectionDomain().getCodeSource() == null ? null : c.getProtectionDomain().getCodeSource().getLocation());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("-(\\d[^/]*?)\\.jar$").matcher(location);
        return m.find() ? m.group(1) : "unknown";
    }
}
