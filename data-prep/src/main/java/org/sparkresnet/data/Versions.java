package org.sparkresnet.data;

import org.apache.spark.api.java.JavaSparkContext;
import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/** The software versions a prepared split records in its manifest, so a dataset can be traced to what made it. */
public final class Versions {
    private static final String DATA_PREP_RESOURCE = "/sparkresnet/data-prep-version.txt";

    private Versions() {
    }

    /** data-prep, Spark, Java; OpenCV and JavaCPP when images were decoded (they load native code, so only then). */
    public static Map<String, String> of(JavaSparkContext sc, boolean imagesDecoded) {
        Map<String, String> versions = new TreeMap<>();
        versions.put("data-prep", dataPrep());
        versions.put("spark", sc.version());
        versions.put("java", System.getProperty("java.version"));
        if (imagesDecoded) {
            versions.put("opencv", org.bytedeco.opencv.global.opencv_core.CV_VERSION());
            versions.put("javacpp", javacpp());
        }
        return versions;
    }

    private static String javacpp() {
        try {
            return Loader.getVersion();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The Maven project version, filtered into a resource at build time. */
    public static String dataPrep() {
        try (InputStream in = Versions.class.getResourceAsStream(DATA_PREP_RESOURCE)) {
            return in == null ? "unknown" : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
