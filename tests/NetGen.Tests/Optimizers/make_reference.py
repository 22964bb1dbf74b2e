#!/usr/bin/env python3
"""Reference trajectories for tests/NetGen.Tests/Optimizers/TorchOptimizerTests.cs.

Runs Adadelta, NAdam, RAdam and Lion for STEPS steps on LENGTH float32 parameters with gradients from a formula whose
values are exact in float32 (the C# test computes the same ones), and prints the C# file
TorchOptimizerReference.cs holding the parameters after the last step:

    /usr/bin/python3 tests/NetGen.Tests/Optimizers/make_reference.py > tests/NetGen.Tests/Optimizers/TorchOptimizerReference.cs

Sources of truth, in order:
  * torch.optim.<Optimizer> of the installed PyTorch, where it implements the rule of PyTorch 2.x (Adadelta; RAdam
    without decoupled_weight_decay; NAdam only from 2.0, because 1.13 computed mu_product_next as
    mu_product * mu * mu_next, fixed in 2.0; decoupled_weight_decay only where the installed class accepts it);
  * otherwise a transcription, in torch float32 ops, of PyTorch 2.x's _single_tensor_<optimizer> (non-capturable,
    non-differentiable path), checked here against torch.optim wherever both run;
  * Lion: torch.optim has none; the transcription of the paper's PyTorch code (google/automl lion/lion_pytorch.py).
"""
import inspect
import math
import sys

import torch

LENGTH, STEPS = 27, 8   # 27 = one Vector512, one Vector256 and a scalar tail; RAdam's rectified branch starts at step 6


def initial_parameters():
    return torch.tensor([((i * 5) % 11 - 5) / 4.0 for i in range(LENGTH)], dtype=torch.float32)


def gradient(step):
    # Exact in float32: multiples of 1/32.
    return torch.tensor([((i * 7 + step * 13) % 17 - 8) / 8.0 * (1 + step / 4.0) for i in range(LENGTH)], dtype=torch.float32)


def run_torch(cls, **hyper):
    p = torch.nn.Parameter(initial_parameters())
    opt = cls([p], foreach=False, **hyper) if "foreach" in inspect.signature(cls).parameters else cls([p], **hyper)
    for t in range(1, STEPS + 1):
        p.grad = gradient(t)
        opt.step()
    return p.detach().clone(), opt.state[p]


def adadelta_transcribed(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    param, square_avg, acc_delta = initial_parameters(), torch.zeros(LENGTH), torch.zeros(LENGTH)
    for t in range(1, STEPS + 1):
        grad = gradient(t)
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
        std = square_avg.add(eps).sqrt_()
        delta = acc_delta.add(eps).sqrt_()
        delta.div_(std).mul_(grad)
        acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        param.add_(delta, alpha=-lr)
    return param, {}


def nadam_transcribed(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3, decoupled_weight_decay=False):
    beta1, beta2 = betas
    param, exp_avg, exp_avg_sq = initial_parameters(), torch.zeros(LENGTH), torch.zeros(LENGTH)
    mu_product = torch.ones((), dtype=torch.float32)
    for step in range(1, STEPS + 1):
        grad = gradient(step)
        step = float(step)
        bias_correction2 = 1 - beta2 ** step
        if weight_decay != 0:
            if decoupled_weight_decay:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product *= mu
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = exp_avg_sq.div(bias_correction2).sqrt()
        mu_product_next = mu_product.item() * mu_next
        denom.add_(eps)
        param.addcdiv_(grad, denom, value=(-lr * (1.0 - mu) / (1.0 - mu_product.item())))
        param.addcdiv_(exp_avg, denom, value=(-lr * mu_next) / (1.0 - mu_product_next))
    return param, {"mu_product": mu_product}


def radam_transcribed(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False):
    beta1, beta2 = betas
    param, exp_avg, exp_avg_sq = initial_parameters(), torch.zeros(LENGTH), torch.zeros(LENGTH)
    for step in range(1, STEPS + 1):
        grad = gradient(step)
        step = float(step)
        if weight_decay != 0:
            if decoupled_weight_decay:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        bias_corrected_exp_avg = exp_avg / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive_lr = (bias_correction2 ** 0.5) / exp_avg_sq.sqrt().add_(eps)
            param.add_(bias_corrected_exp_avg * lr * adaptive_lr * rect, alpha=-1.0)
        else:
            param.add_(bias_corrected_exp_avg * lr, alpha=-1.0)
    return param, {}


def lion_transcribed(lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
    beta1, beta2 = betas
    p, exp_avg = initial_parameters(), torch.zeros(LENGTH)
    for t in range(1, STEPS + 1):
        grad = gradient(t)
        p.mul_(1 - lr * weight_decay)
        update = exp_avg * beta1 + grad * (1 - beta1)
        p.add_(torch.sign(update), alpha=-lr)
        exp_avg.mul_(beta2).add_(grad, alpha=1 - beta2)
    return p, {}


def torch_major():
    return int(torch.__version__.split(".")[0])


def reference(name, transcribed, cls, hyper, torch_rule_matches):
    ours, state = transcribed(**hyper)
    source = "transcription of PyTorch 2.x" if cls is not None else "transcription of google/automl lion_pytorch.py"
    accepts = all(k in inspect.signature(cls).parameters for k in hyper) if cls is not None else False
    if cls is not None and accepts and torch_rule_matches:
        theirs, torch_state = run_torch(cls, **hyper)
        # lerp/addcmul may fuse a multiply-add where the transcription rounds twice: a few float ulps.
        difference = (theirs - ours).abs().max().item()
        if difference > 1e-6:
            sys.exit(f"{name} {hyper}: torch.optim and the transcription differ by {difference}")
        ours, source = theirs, f"torch.optim.{cls.__name__} {torch.__version__} (transcription within {difference:.1e})"
        if "mu_product" in torch_state:
            state = {"mu_product": torch_state["mu_product"]}
    return ours, state, source


def float_literal(x):
    # The shortest decimal that reads back as the same float32 (numpy's float32 str), else the double's repr.
    try:
        import numpy
        text = str(numpy.float32(x))
    except ImportError:
        text = repr(float(x))
    return text + "f" if ("e" in text or "." in text) else text + ".0f"


def main():
    major = torch_major()
    cases = [
        ("Adadelta", adadelta_transcribed, torch.optim.Adadelta, True, [
            dict(),
            dict(lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.01),
        ]),
        ("NAdam", nadam_transcribed, torch.optim.NAdam, major >= 2, [
            dict(),
            dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.01),
            dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
            dict(lr=0.005, momentum_decay=0.05, eps=1e-6),
        ]),
        ("RAdam", radam_transcribed, torch.optim.RAdam, True, [
            dict(),
            dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.01),
            dict(lr=0.01, betas=(0.9, 0.99), weight_decay=0.1, decoupled_weight_decay=True),
        ]),
        ("Lion", lion_transcribed, None, False, [
            dict(),
            dict(lr=0.01, betas=(0.95, 0.98), weight_decay=0.5),
        ]),
    ]
    out = []
    w = out.append
    w("// <auto-generated/> by tests/NetGen.Tests/Optimizers/make_reference.py: do not edit; rerun the script.")
    w(f"// PyTorch {torch.__version__}; {LENGTH} parameters, {STEPS} steps; see the script for the inputs.")
    w("namespace NetGen.Tests.Optimizers;")
    w("")
    w("internal static class TorchOptimizerReference")
    w("{")
    w(f"    public const int Length = {LENGTH}, Steps = {STEPS};")
    w("")
    w("    /// <summary>One run: the optimizer, its hyperparameters (PyTorch's keyword names), the parameters after the last step.</summary>")
    w("    public sealed record Case(string Optimizer, string Source, double LearningRate, double Beta1, double Beta2, double Epsilon,")
    w("        double WeightDecay, double Rho, double MomentumDecay, bool Decoupled, float[] Parameters, double MuProduct);")
    w("")
    w("    public static readonly Case[] Cases =")
    w("    [")
    for name, transcribed, cls, matches, settings in cases:
        defaults = {k: v.default for k, v in inspect.signature(transcribed).parameters.items()}
        for hyper in settings:
            values = {**defaults, **hyper}
            params, state, source = reference(name, transcribed, cls, hyper, matches)
            betas = values.get("betas", (0.0, 0.0))
            mu_product = float(state["mu_product"]) if "mu_product" in state else 0.0
            literals = [float_literal(x) for x in params.tolist()]
            numbers = (",\n" + " " * 13).join(", ".join(literals[i:i + 9]) for i in range(0, len(literals), 9))
            w(f"        // {name} {hyper or 'defaults'}: {source}")
            w(f"        new(\"{name}\", \"{source}\", {values['lr']!r}, {betas[0]!r}, {betas[1]!r}, {values.get('eps', 0.0)!r},")
            w(f"            {values.get('weight_decay', 0.0)!r}, {values.get('rho', 0.0)!r}, {values.get('momentum_decay', 0.0)!r}, "
              f"{str(values.get('decoupled_weight_decay', False)).lower()},")
            w(f"            [{numbers}],")
            w(f"            {mu_product!r}),")
    w("    ];")
    w("}")
    print("\n".join(out))


if __name__ == "__main__":
    main()
