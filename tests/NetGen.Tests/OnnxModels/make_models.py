"""Writes the small ONNX models the import tests compile (tests/NetGen.Tests/OnnxModels/*.onnx).

Run from anywhere with /usr/bin/python3 (torch 1.13, onnx 1.12); the files are checked in, so the tests need no
Python. Weights are seeded random values (the tests compare NetGen with ONNX Runtime on the same weights, and
fine-tune from them); batch-normalization running statistics are set away from 0 and 1 so that importing them
matters.
"""
import os

import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13


class Mlp(nn.Module):
    """784 -> 64 ReLU -> 32 Tanh -> 10, softmax: Gemm nodes with fused activations."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 64)
        self.fc2 = nn.Linear(64, 32)
        self.fc3 = nn.Linear(32, 10)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return torch.softmax(self.fc3(x), dim=1)


class LeNet5(nn.Module):
    """LeNet-5 on 1x28x28: conv 6@5x5 pad 2, max-pool 2, conv 16@5x5, max-pool 2, flatten, 120-84-10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return torch.softmax(self.fc3(x), dim=1)


class ResidualCnn(nn.Module):
    """A stem conv + batch norm, one residual block (two convs with batch norm, added to its input), pooling, 10 classes."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.bn0 = nn.BatchNorm2d(8)
        self.conv1 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.avg = nn.AvgPool2d(2)
        self.dropout = nn.Dropout(0.25)
        self.fc = nn.Linear(8 * 7 * 7, 10)

    def forward(self, x):
        x = torch.relu(self.bn0(self.stem(x)))
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        x = torch.relu(x + y)
        x = self.avg(self.pool(x))
        x = self.dropout(torch.flatten(x, 1))
        return torch.softmax(self.fc(x), dim=1)


class Branches(nn.Module):
    """Two convolutions of the image side by side, joined by Concat, then global average pooling and a small head:
    covers Concat, GlobalAveragePool and the LeakyRelu, Elu, Softplus and Sigmoid activations."""

    def __init__(self):
        super().__init__()
        self.narrow = nn.Conv2d(1, 4, 3, padding=1)
        self.wide = nn.Conv2d(1, 4, 5, padding=2)
        self.mix = nn.Conv2d(8, 12, 4, stride=2, padding=1)
        self.fc1 = nn.Linear(12, 16)
        self.fc2 = nn.Linear(16, 16)
        self.fc3 = nn.Linear(16, 10)

    def forward(self, x):
        x = torch.cat([torch.relu(self.narrow(x)), nn.functional.leaky_relu(self.wide(x), 0.1)], dim=1)
        x = nn.functional.max_pool2d(x, 2)
        x = nn.functional.elu(self.mix(x))
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        x = nn.functional.softplus(self.fc1(x))
        x = torch.sigmoid(self.fc2(x))
        return torch.softmax(self.fc3(x), dim=1)


class DigitRows(nn.Module):
    """A recurrent classifier reading a digit's 28 rows as 28 steps of 28 pixels: LSTM or GRU (batch_first), the last
    hidden state, a linear layer."""

    def __init__(self, kind):
        super().__init__()
        self.rnn = (nn.LSTM if kind == "lstm" else nn.GRU)(28, 32, batch_first=True)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        _, state = self.rnn(x)
        hidden = state[0] if isinstance(state, tuple) else state
        return torch.softmax(self.fc(hidden[-1]), dim=1)


class TokenGru(nn.Module):
    """Token ids [batch, 12] over a vocabulary of 20: embedding, GRU returning every step, a second GRU's last state."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(20, 8)
        self.encoder = nn.GRU(8, 16, batch_first=True)
        self.summary = nn.LSTM(16, 16, batch_first=True)
        self.fc = nn.Linear(16, 4)

    def forward(self, tokens):
        steps, _ = self.encoder(self.embedding(tokens))
        _, (hidden, _) = self.summary(steps)
        return torch.softmax(self.fc(hidden[-1]), dim=1)


class NormalizedMlp(nn.Module):
    """784 -> 32, LayerNorm, GELU -> 32 GELU (fused into the Dense) -> 10, softmax; exported at opset 17, where nn.LayerNorm is one LayerNormalization node
    (GELU is still five nodes: Div, Erf, Add, Mul, Mul)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 32)
        self.norm = nn.LayerNorm(32)
        self.fc2 = nn.Linear(32, 32)
        self.fc3 = nn.Linear(32, 10)

    def forward(self, x):
        x = nn.functional.gelu(self.norm(self.fc1(x)))
        return torch.softmax(self.fc3(nn.functional.gelu(self.fc2(x))), dim=1)


def export(model, shape, name, dtype=torch.float32, opset=OPSET):
    torch.manual_seed(7)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            with torch.no_grad():
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.8, 1.2)
                module.bias.uniform_(-0.1, 0.1)
    model.eval()
    path = os.path.join(HERE, name + ".onnx")
    # PRESERVE keeps BatchNormalization as its own node (EVAL would fold it into the convolution before it).
    torch.onnx.export(model, torch.zeros(shape, dtype=dtype), path, opset_version=opset, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
    print(name, os.path.getsize(path), "bytes:", [n.op_type for n in onnx.load(path).graph.node])


if __name__ == "__main__":
    torch.manual_seed(1)
    export(Mlp(), (1, 784), "mlp")
    torch.manual_seed(2)
    export(LeNet5(), (1, 1, 28, 28), "lenet5")
    torch.manual_seed(3)
    export(ResidualCnn(), (1, 1, 28, 28), "residual_cnn")
    torch.manual_seed(4)
    export(Branches(), (1, 1, 28, 28), "branches")
    torch.manual_seed(5)
    export(DigitRows("lstm"), (1, 28, 28), "lstm_rows")
    torch.manual_seed(6)
    export(DigitRows("gru"), (1, 28, 28), "gru_rows")
    torch.manual_seed(7)
    export(TokenGru(), (1, 12), "token_gru", dtype=torch.long)
    torch.manual_seed(8)
    model = NormalizedMlp()
    with torch.no_grad():
        model.norm.weight.uniform_(0.5, 1.5)
        model.norm.bias.uniform_(-0.2, 0.2)
    export(model, (1, 784), "layernorm_mlp", opset=17)
