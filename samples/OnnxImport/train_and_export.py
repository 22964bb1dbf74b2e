"""Trains a small digit classifier in PyTorch and exports it to models/digits_cnn.onnx, which the sample compiles.

Stands in for the data scientist: trained on the first 4000 of the 8000 bundled training digits for 3 epochs
(the .NET side then fine-tunes on all of them). Run with /usr/bin/python3 (torch 1.13, onnx 1.12) from anywhere;
the .onnx file is checked in, so the sample runs without Python.
"""
import gzip
import os

import numpy as np
import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "mnist")


def idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class DigitsCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc1 = nn.Linear(16 * 7 * 7, 64)
        self.dropout = nn.Dropout(0.2)
        self.fc2 = nn.Linear(64, 10)
        self.probabilities = False  # set for export: the file ends in Softmax, as NetGen's Predict does

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = self.dropout(torch.relu(self.fc1(torch.flatten(x, 1))))
        x = self.fc2(x)
        return torch.softmax(x, dim=1) if self.probabilities else x


def main():
    torch.manual_seed(1)
    images = torch.tensor(idx("train-images-idx3-ubyte.gz")[:4000], dtype=torch.float32).unsqueeze(1) / 255
    labels = torch.tensor(idx("train-labels-idx1-ubyte.gz")[:4000], dtype=torch.long)
    model = DigitsCnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(3):
        order = torch.randperm(len(labels))
        total = 0.0
        for start in range(0, len(labels), 64):
            batch = order[start:start + 64]
            loss = nn.functional.cross_entropy(model(images[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        print(f"epoch {epoch + 1}: loss {total / len(labels):.4f}")

    model.eval()
    test_images = torch.tensor(idx("t10k-images-idx3-ubyte.gz"), dtype=torch.float32).unsqueeze(1) / 255
    test_labels = torch.tensor(idx("t10k-labels-idx1-ubyte.gz"), dtype=torch.long)
    with torch.no_grad():
        accuracy = (model(test_images).argmax(1) == test_labels).float().mean().item()
    print(f"pytorch test accuracy {accuracy:.4f}")

    model.probabilities = True
    path = os.path.join(HERE, "models", "digits_cnn.onnx")
    # The initializers keep the modules' names (conv1.weight, fc2.bias, ...), which become NetGen's checkpoint names.
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, opset_version=13, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    onnx.checker.check_model(onnx.load(path))
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
