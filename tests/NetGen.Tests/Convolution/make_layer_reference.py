#!/usr/bin/env python3
"""PyTorch's outputs for tests/NetGen.Tests/Convolution/UpSamplingAndTransposeTests.cs (pasted there as constants).

Inputs are exact in float32 and made by the same formulas in the C# test; PyTorch runs in float64:

    /usr/bin/python3 tests/NetGen.Tests/Convolution/make_layer_reference.py
"""
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def values(count, f):
    return torch.tensor([f(i) for i in range(count)], dtype=torch.float64)


def show(name, tensor):
    numbers = ", ".join(repr(float(v)) for v in tensor.flatten().tolist())
    print(f"    private static readonly double[] Torch{name} = [{numbers}];")


print(f"    // PyTorch {torch.__version__}, float64, from make_layer_reference.py")
# nn.Upsample(scale_factor=(2, 3), mode='bilinear', align_corners=False) on [1, 1, 2, 3]
x = values(6, lambda i: (i * 5 % 7 - 3) / 4).reshape(1, 1, 2, 3)
show("BilinearUpsample2x3", F.interpolate(x, scale_factor=(2, 3), mode="bilinear", align_corners=False))
show("NearestUpsample2x3", F.interpolate(x, scale_factor=(2, 3), mode="nearest"))
# ConvTranspose2d(2, 1, kernel_size=3, stride=2, padding=1, output_padding=1) on [1, 2, 3, 3]: output [1, 1, 6, 6]
x = values(18, lambda i: (i * 7 % 11 - 5) / 4).reshape(1, 2, 3, 3)
w = values(18, lambda i: (i * 5 % 9 - 4) / 8).reshape(2, 1, 3, 3)
b = torch.tensor([0.25])
show("ConvTranspose", F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1))
