"""Exports torchvision models with torch.onnx.export for fpgac's tests (issue 12's torchvision target).

usage: python export.py OUT_DIR [--size 64] [--samples 8]

For each model and opset (11 and 17): OUT_DIR/<model>-op<opset>/model.onnx, input.npy (seeded samples of
[N, 3, size, size]) and torch.npy (the model's outputs on them, float32, in eval mode). Weights are torchvision's
random initialisation with a fixed seed (no pretrained download: this machine has no hub access), and BatchNorm's
running statistics are set to non-trivial seeded values so that folding them is exercised. Written for fpgac; it
copies no code from elsewhere.
"""
import os
import sys

import numpy as np
import torch
import torch.library

# torchvision's compiled operators (nms, roi_align...) may not match the installed torch build; the classification
# models need none of them, so their fake-kernel registration is skipped while torchvision is imported.
_register_fake = torch.library.register_fake
torch.library.register_fake = lambda *a, **k: (lambda f: f)
import torchvision  # noqa: E402
torch.library.register_fake = _register_fake

MODELS = {
    'squeezenet1_1': lambda: torchvision.models.squeezenet1_1(weights=None),
    'shufflenet_v2_x0_5': lambda: torchvision.models.shufflenet_v2_x0_5(weights=None),
    'mnasnet0_5': lambda: torchvision.models.mnasnet0_5(weights=None),
    'mobilenet_v2': lambda: torchvision.models.mobilenet_v2(weights=None),
    'efficientnet_b0': lambda: torchvision.models.efficientnet_b0(weights=None),
    'resnet18': lambda: torchvision.models.resnet18(weights=None),
}


def seeded_model(name: str) -> torch.nn.Module:
    torch.manual_seed(12)
    m = MODELS[name]()
    g = torch.Generator().manual_seed(34)
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            n = mod.num_features
            mod.running_mean.copy_(0.1 * torch.randn(n, generator=g))
            mod.running_var.copy_(0.5 + torch.rand(n, generator=g))
            mod.weight.data.copy_(0.5 + torch.rand(n, generator=g))
            mod.bias.data.copy_(0.1 * torch.randn(n, generator=g))
    return m.eval()


def main() -> None:
    out = sys.argv[1]
    size = int(sys.argv[sys.argv.index('--size') + 1]) if '--size' in sys.argv else 64
    samples = int(sys.argv[sys.argv.index('--samples') + 1]) if '--samples' in sys.argv else 8
    x = torch.randn(samples, 3, size, size, generator=torch.Generator().manual_seed(56))
    for name in MODELS:
        model = seeded_model(name)
        with torch.no_grad():
            y = model(x).numpy().astype(np.float32)
        for opset in (11, 17):
            d = os.path.join(out, f'{name}-op{opset}')
            os.makedirs(d, exist_ok=True)
            torch.onnx.export(model, x[:1], os.path.join(d, 'model.onnx'), opset_version=opset, dynamo=False,
                              input_names=['input'], output_names=['logits'])
            np.save(os.path.join(d, 'input.npy'), x.numpy().astype(np.float32))
            np.save(os.path.join(d, 'torch.npy'), y)
        print(f'exported {name}')


if __name__ == '__main__':
    main()
