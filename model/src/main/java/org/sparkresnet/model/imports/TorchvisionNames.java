package org.sparkresnet.model.imports;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sparkresnet.model.ResNets;

/**
 * The one mapping between torchvision's ResNet state_dict names and this project's parameters, for every depth:
 * <pre>
 *   conv1.weight                      conv1_conv W
 *   bn1.{weight,bias,running_mean,running_var}    conv1_bn {gamma,beta,mean,var}
 *   layerS.B.convK.weight             conv(S+1)_block(B+1)_K_conv W
 *   layerS.B.bnK.*                    conv(S+1)_block(B+1)_K_bn *
 *   layerS.B.downsample.0.weight      conv(S+1)_block(B+1)_0_conv W      (the projection shortcut)
 *   layerS.B.downsample.1.*           conv(S+1)_block(B+1)_0_bn *
 *   fc.weight, fc.bias                output W (transposed: torch [out, in], DL4J [in, out]), b
 * </pre>
 */
final class TorchvisionNames {
    /** A project parameter and the torchvision tensor that fills it; {@code transposed} for the dense layer's W. */
    record Slot(String torchName, boolean transposed) {
    }

    private static final Pattern BLOCK = Pattern.compile("conv(\\d+)_block(\\d+)_(\\d+)_(conv|bn)");
    private static final Map<String, String> BATCH_NORM = Map.of(
            "gamma", "weight", "beta", "bias", "mean", "running_mean", "var", "running_var");

    private TorchvisionNames() {
    }

    /** The torchvision tensor for parameter {@code key} of layer {@code layer}. */
    static Slot slot(String layer, String key) {
        if (layer.equals(ResNets.OUTPUT)) {
            return new Slot("fc." + dense(layer, key), key.equals("W"));
        }
        String module;
        boolean batchNorm;
        if (layer.equals("conv1_conv") || layer.equals("conv1_bn")) {
            batchNorm = layer.endsWith("_bn");
            module = batchNorm ? "bn1" : "conv1";
        } else {
            Matcher m = BLOCK.matcher(layer);
            if (!m.matches()) {
                throw new IllegalStateException("layer " + layer + " has no torchvision counterpart");
            }
            int stage = Integer.parseInt(m.group(1)) - 1;
            int block = Integer.parseInt(m.group(2)) - 1;
            int index = Integer.parseInt(m.group(3));
            batchNorm = m.group(4).equals("bn");
            String inBlock = index == 0 ? "downsample." + (batchNorm ? 1 : 0) : (batchNorm ? "bn" : "conv") + index;
            module = "layer" + stage + "." + block + "." + inBlock;
        }
        String tensor = batchNorm ? BATCH_NORM.get(key) : key.equals("W") ? "weight" : null;
        if (tensor == null) {
            throw new IllegalStateException("parameter " + key + " of layer " + layer + " has no torchvision counterpart");
        }
        return new Slot(module + "." + tensor, false);
    }

    private static String dense(String layer, String key) {
        return switch (key) {
            case "W" -> "weight";
            case "b" -> "bias";
            default -> throw new IllegalStateException("parameter " + key + " of layer " + layer + " has no torchvision counterpart");
        };
    }

    /** torchvision's batch-norm step counters, which inference does not use. */
    static boolean ignored(String torchName) {
        return torchName.endsWith(".num_batches_tracked");
    }
}
