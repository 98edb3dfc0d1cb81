package org.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelNamesTest {

    @Test
    void supportsEveryDepthInEveryVariant() {
        List<String> expected = new ArrayList<>();
        for (String prefix : List.of("resnet", "preresnet", "plain")) {
            for (int depth : List.of(18, 34, 50, 101, 152, 20, 32, 44, 56, 110)) {
                expected.add(prefix + depth);
            }
        }
        assertEquals(expected.size(), ResNets.supportedModels().size());
        assertTrue(ResNets.supportedModels().containsAll(expected), () -> "supported: " + ResNets.supportedModels());
    }

    @Test
    void featureWidthFollowsTheLastStage() {
        assertEquals(512, ResNets.featureWidth("resnet18"));
        assertEquals(512, ResNets.featureWidth("resnet34"));
        assertEquals(2048, ResNets.featureWidth("resnet50"));
        assertEquals(2048, ResNets.featureWidth("preresnet101"));
        assertEquals(2048, ResNets.featureWidth("plain152"));
        assertEquals(64, ResNets.featureWidth("resnet20"));
        assertEquals(64, ResNets.featureWidth("preresnet110"));
    }

    @Test
    void smallImageDepthsFollowSixNPlusTwo() {
        assertEquals(List.of(3, 3, 3), ResNets.architecture("resnet20").blocksPerStage());
        assertEquals(List.of(18, 18, 18), ResNets.architecture("resnet110").blocksPerStage());
        assertEquals(List.of(3, 8, 36, 3), ResNets.architecture("resnet152").blocksPerStage());
        assertEquals(BlockKind.BOTTLENECK, ResNets.architecture("resnet50").block());
        assertEquals(BlockKind.BASIC, ResNets.architecture("resnet34").block());
    }

    @Test
    void unknownModelNamesTheValueAndListsTheSupportedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResNets.configuration(ModelRequest.of("resnet19", new InputShape(3, 32, 32), 10)));
        assertTrue(e.getMessage().contains("'resnet19'"), e.getMessage());
        assertTrue(e.getMessage().contains("resnet18") && e.getMessage().contains("preresnet110")
                && e.getMessage().contains("plain56"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ResNets.featureWidth("vgg16"));
    }

    @Test
    void namesAreCaseInsensitive() {
        assertEquals("resnet50", ModelRequest.of(" ResNet50 ", new InputShape(3, 32, 32), 10).model());
        assertEquals(2048, ResNets.featureWidth("RESNET50"));
    }

    @Test
    void badShapesAndClassCountsAreRejectedWithTheValue() {
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> InputShape.parse("3x224"));
        assertTrue(shape.getMessage().contains("3x224"), shape.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> InputShape.parse("3x0x224"));
        assertTrue(zero.getMessage().contains("3x0x224"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InputShape.parse("3xax224"));
        IllegalArgumentException classes = assertThrows(IllegalArgumentException.class,
                () -> ModelRequest.of("resnet20", new InputShape(1, 28, 28), 1));
        assertTrue(classes.getMessage().contains("got 1"), classes.getMessage());
    }

    @Test
    void recordsValidateTheirFields() {
        assertThrows(IllegalArgumentException.class,
                () -> TrainingOptions.defaults().withWeightDecay(-1e-4));
        assertThrows(NullPointerException.class, () -> new TrainingOptions(null, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Architecture("x", Variant.RESIDUAL, Stem.SMALL_IMAGE,
                BlockKind.BASIC, List.of(1, 1), List.of(16)));
        assertThrows(IllegalArgumentException.class, () -> new Architecture("x", Variant.RESIDUAL, Stem.SMALL_IMAGE,
                BlockKind.BASIC, List.of(0), List.of(16)));
    }

    @Test
    void defaultsAreAdamWithSeed42() {
        TrainingOptions defaults = TrainingOptions.defaults();
        assertEquals(new org.nd4j.linalg.learning.config.Adam(1e-3), defaults.updater());
        assertEquals(42L, defaults.seed());
        assertEquals(0.0, defaults.weightDecay());
    }
}
