#!/usr/bin/env python3
"""Exports seeded random-weight torchvision ResNets to ONNX and writes PyTorch's outputs for a fixed input.

For each depth D given, writes into OUT_DIR:
  resnetD.onnx            torch.onnx.export(..., training=PRESERVE, do_constant_folding=False, opset_version=13):
                          batch norm kept, initializers named as in the model's state_dict
  resnetD-probs.npy       softmax probabilities, float32 [batch, classes]
  resnetD-features.npy    the pooled features (avgpool's output, flattened), float32 [batch, 512 or 2048]
and once: input.npy, the float32 NCHW input [batch, 3, size, size].

Weights are random but seeded, batch-norm scale/shift random, and the running statistics are those of a few random
batches, then perturbed: every tensor matters, and activations stay of order one even at depth 152 (so an absolute
tolerance means something). The classifier is scaled so that the probabilities are peaked, not all 1/classes.

Usage: torchvision_reference.py OUT_DIR [--depths 18 50] [--size 224] [--batch 2] [--classes 1000] [--seed 7]
"""
import argparse
import os

import numpy as np
import torch
import torchvision


def build(depth, classes, size, seed):
    torch.manual_seed(seed + depth)
    model = getattr(torchvision.models, "resnet%d" % depth)(weights=None, num_classes=classes)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.2)
        # A residual branch adds a modest share to its block's output, as in trained nets; with full-scale random
        # branches a 152-layer net amplifies float rounding until PyTorch's own float32 and float64 outputs differ by 1e-3.
        for block in model.modules():
            if isinstance(block, (torchvision.models.resnet.BasicBlock, torchvision.models.resnet.Bottleneck)):
                last = block.bn3 if isinstance(block, torchvision.models.resnet.Bottleneck) else block.bn2
                last.weight.uniform_(0.1, 0.3)
        # Running statistics of random batches (cumulative average), so activations stay of order one ...
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.reset_running_stats()
                m.momentum = None
        model.train()
        for _ in range(2):
            model(torch.randn(4, 3, size, size))
        # ... then perturbed, so that a mean or variance copied wrongly shows in the outputs.
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.momentum = 0.1
                m.running_mean.add_(torch.randn_like(m.running_mean) * 0.1 * m.running_var.sqrt())
                m.running_var.mul_(torch.empty_like(m.running_var).uniform_(0.8, 1.25))
        model.fc.weight.mul_(8.0)
        model.fc.bias.normal_(0.0, 0.5)
    model.eval()
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("--depths", type=int, nargs="+", default=[18, 50])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    generator = torch.Generator().manual_seed(args.seed)
    x = torch.randn(args.batch, 3, args.size, args.size, generator=generator)
    np.save(os.path.join(args.out_dir, "input.npy"), x.numpy().astype(np.float32))
    for depth in args.depths:
        model = build(depth, args.classes, args.size, args.seed)
        pooled = {}
        model.avgpool.register_forward_hook(lambda module, inputs, output: pooled.__setitem__("f", output))
        with torch.no_grad():
            probs = torch.softmax(model(x), dim=1)
        name = os.path.join(args.out_dir, "resnet%d" % depth)
        np.save(name + "-probs.npy", probs.numpy().astype(np.float32))
        np.save(name + "-features.npy", torch.flatten(pooled["f"], 1).numpy().astype(np.float32))
        torch.onnx.export(model, x, name + ".onnx", training=torch.onnx.TrainingMode.PRESERVE,
                          do_constant_folding=False, opset_version=13, input_names=["input"], output_names=["logits"])
        print("resnet%d exported" % depth, flush=True)


if __name__ == "__main__":
    main()
