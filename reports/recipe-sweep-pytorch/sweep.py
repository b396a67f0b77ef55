# Reference recipe sweep in PyTorch on a GPU: the fmnist-mbconv networks of DnaNas rebuilt layer for layer,
# trained with DnaNas's recipe (SGD Nesterov, warm-up + cosine per step, label smoothing, pad-crop + flip),
# to learn which recipe reaches 93.5% under 500K parameters before spending 2 CPU hours on it.
import gzip, json, math, os, sys, time
import torch, torch.nn as nn, torch.nn.functional as F

DATA = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")
BLOCKS = [(2, 24, 2), (2, 40, 3), (1, 64, 3), (2, 96, 2)]  # stride, channels, layers


def idx(name):
    with gzip.open(os.path.join(DATA, name)) as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(raw[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


class ConvBn(nn.Sequential):
    def __init__(self, cin, cout, k, s, act=True, groups=1):
        conv = nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False)
        nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
        super().__init__(conv, nn.BatchNorm2d(cout), *( [nn.ReLU()] if act else []))


class MBConv(nn.Module):
    def __init__(self, cin, cout, s, k, e):
        super().__init__()
        h = cin * e
        self.body = nn.Sequential(*([ConvBn(cin, h, 1, 1)] if e != 1 else []), ConvBn(h, h, k, s, groups=h),
                                  ConvBn(h, cout, 1, 1, act=False))
        self.res = s == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return y + x if self.res else y


def net(arch, dropout=0.1):
    layers, cin = [ConvBn(1, 16, 3, 1)], 16
    for (stride, ch, _), block in zip(BLOCKS, arch.split("/")):
        for i, op in enumerate(block.split("|")):
            if op == "skip":
                break
            k, e = int(op[1]), int(op[3])
            layers.append(MBConv(cin, ch, stride if i == 0 else 1, k, e))
            cin = ch
    layers += [ConvBn(cin, 256, 1, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(256, 10)]
    return nn.Sequential(*layers)


def run(cfg):
    seed = cfg.get("seed", 0)
    torch.manual_seed(seed)
    dev = "cuda"
    x = (idx("train-images-idx3-ubyte.gz")).float().div(255).unsqueeze(1)
    y = (idx("train-labels-idx1-ubyte.gz")).long()
    xt = (idx("t10k-images-idx3-ubyte.gz")).float().div(255).unsqueeze(1).to(dev)
    yt = (idx("t10k-labels-idx1-ubyte.gz")).long().to(dev)
    perm = torch.randperm(60000, generator=torch.Generator().manual_seed(0))
    x, y = x[perm[:cfg.get("train", 50000)]].to(dev), y[perm[:cfg.get("train", 50000)]].to(dev)
    mean, std = x.mean().item(), x.std().item()
    model = net(cfg["arch"], cfg.get("dropout", 0.1)).to(dev).to(memory_format=torch.channels_last)
    params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.named_parameters() if p.dim() > 1]
    rest = [p for n, p in model.named_parameters() if p.dim() <= 1]
    lr, wd, bs, epochs = cfg.get("lr", 0.1), cfg.get("wd", 5e-5), cfg.get("bs", 128), cfg["epochs"]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": wd}, {"params": rest, "weight_decay": 0}],
                          lr=lr, momentum=0.9, nesterov=True)
    steps_per_epoch = math.ceil(len(x) / bs)
    total, warm = epochs * steps_per_epoch, round(cfg.get("warmup", 1) * steps_per_epoch)
    ls, erase, pad = cfg.get("ls", 0.1), cfg.get("erase", 0.0), cfg.get("pad", 2)
    step, t0 = 0, time.time()
    for ep in range(epochs):
        model.train()
        order = torch.randperm(len(x), device=dev)
        for i in range(steps_per_epoch):
            b = order[i * bs:(i + 1) * bs]
            xb, yb = x[b], y[b]
            n = len(b)
            if pad:
                xp = F.pad(xb, [pad] * 4)
                r = torch.randint(0, 2 * pad + 1, (n,), device=dev)
                c = torch.randint(0, 2 * pad + 1, (n,), device=dev)
                ar = torch.arange(28, device=dev)
                rows = (r[:, None] + ar)[:, :, None].expand(n, 28, 28)
                cols = (c[:, None] + ar)[:, None, :].expand(n, 28, 28)
                xb = xp[torch.arange(n, device=dev)[:, None, None], 0, rows, cols].unsqueeze(1)
            if cfg.get("flip", True):
                f = torch.rand(n, device=dev) < 0.5
                xb = torch.where(f[:, None, None, None], xb.flip(3), xb)
            xb = (xb - mean) / std
            if erase:
                # random erasing (Zhong et al., 2020): one rectangle of 2%-33% of the image, aspect 0.3-3.3
                area = torch.empty(n, device=dev).uniform_(0.02, 0.33) * 784
                aspect = torch.exp(torch.empty(n, device=dev).uniform_(math.log(0.3), math.log(3.3)))
                hh = (area * aspect).sqrt().clamp(1, 28).long(); ww = (area / aspect).sqrt().clamp(1, 28).long()
                r0 = (torch.rand(n, device=dev) * (29 - hh)).long(); c0 = (torch.rand(n, device=dev) * (29 - ww)).long()
                ar = torch.arange(28, device=dev)
                m = ((ar[None, :, None] >= r0[:, None, None]) & (ar[None, :, None] < (r0 + hh)[:, None, None]) &
                     (ar[None, None, :] >= c0[:, None, None]) & (ar[None, None, :] < (c0 + ww)[:, None, None]))
                m = m & (torch.rand(n, device=dev) < erase)[:, None, None]
                xb = torch.where(m[:, None], torch.zeros_like(xb), xb)
            l = lr * (step + 1) / warm if step < warm else 0.5 * lr * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))
            for g in opt.param_groups:
                g["lr"] = l
            loss = F.cross_entropy(model(xb.contiguous(memory_format=torch.channels_last)), yb, label_smoothing=ls)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
    model.eval()
    with torch.no_grad():
        correct = sum((model(((xt[i:i + 1000] - mean) / std).contiguous(memory_format=torch.channels_last)).argmax(1)
                       == yt[i:i + 1000]).sum().item() for i in range(0, 10000, 1000))
    return dict(cfg, params=params, test=correct / 100, seconds=round(time.time() - t0, 1))


# usage: python3 sweep.py '{"name": "base12", "arch": "k5e6|k5e6/k5e6|k5e6|k5e6/k5e6|k5e6|k5e6/k5e6|k5e6", "epochs": 12}'
# keys: arch, epochs, seed (0), train (50000 images; 60000 = train + validation), bs (128), lr (0.1), wd (5e-5),
# ls (0.1), warmup (1), pad (2), flip (true), erase (0), dropout (0.1)
if __name__ == "__main__":
    torch.backends.cudnn.benchmark = True
    cfg = json.loads(sys.argv[1])
    print(json.dumps(run(cfg)), flush=True)
