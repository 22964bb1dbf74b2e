#!/usr/bin/env python3
"""PyTorch's values of the losses tested in tests/NetGen.Tests/Kernels/MoreLossTests.cs (pasted there as constants).

The inputs are exact in float32 and made by the same formulas in the C# test; PyTorch computes in float64 here, so
the constants are the exact losses to double precision:

    /usr/bin/python3 tests/NetGen.Tests/Kernels/make_loss_reference.py
"""
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
B, N = 3, 5            # elementwise losses: 15 elements, one Vector256 and a scalar tail
ROWS, CLASSES = 6, 5   # classification


def t(values, shape):
    return torch.tensor(values, dtype=torch.float64).reshape(shape)


logits = t([((i * 7) % 13 - 6) / 2 for i in range(B * N)], (B, N))
probabilities = t([((i * 5) % 9 + 0.5) / 10 for i in range(B * N)], (B, N))
binary_targets = t([((i * 3) % 5) / 4 for i in range(B * N)], (B, N))
pos_weight = t([(1 + c) / 2 for c in range(N)], (N,))
output = t([((i * 7) % 13 - 6) / 4 for i in range(B * N)], (B, N))
regression_targets = t([((i * 5) % 11 - 5) / 4 for i in range(B * N)], (B, N))
class_logits = t([((i * 7) % 13 - 6) / 2 for i in range(ROWS * CLASSES)], (ROWS, CLASSES))
labels = torch.tensor([2, 0, -100, 4, 1, 3])
weights = t([0.5, 1, 2, 1.5, 0.25], (CLASSES,))

# probabilities are not exactly representable in float32: PyTorch gets the float32 values, as the C# test does.
probabilities = probabilities.float().double()

values = {
    "BinaryCrossEntropy": F.binary_cross_entropy(probabilities, binary_targets),
    "BinaryCrossEntropyWithLogits": F.binary_cross_entropy_with_logits(logits, binary_targets),
    "BinaryCrossEntropyWithLogitsPosWeight": F.binary_cross_entropy_with_logits(logits, binary_targets, pos_weight=pos_weight),
    "MeanAbsoluteError": F.l1_loss(output, regression_targets),
    "Huber1": F.huber_loss(output, regression_targets, delta=1.0),
    "Huber05": F.huber_loss(output, regression_targets, delta=0.5),
    "SmoothL1_1": F.smooth_l1_loss(output, regression_targets, beta=1.0),
    "SmoothL1_05": F.smooth_l1_loss(output, regression_targets, beta=0.5),
    "SmoothL1_0": F.smooth_l1_loss(output, regression_targets, beta=0.0),
    "NllIgnore": F.nll_loss(F.log_softmax(class_logits, 1), labels),
    "NllWeighted": F.nll_loss(F.log_softmax(class_logits, 1), labels, weight=weights),
    "CrossEntropyIgnore": F.cross_entropy(class_logits, labels),
    "CrossEntropyWeighted": F.cross_entropy(class_logits, labels, weight=weights),
    "CrossEntropySmoothed": F.cross_entropy(class_logits, labels, label_smoothing=0.1),
    "CrossEntropyWeightedSmoothed": F.cross_entropy(class_logits, labels, weight=weights, label_smoothing=0.2),
}
print(f"    // PyTorch {torch.__version__}, float64, from make_loss_reference.py")
for name, value in values.items():
    print(f"    private const double Torch{name} = {value.item()!r};")
