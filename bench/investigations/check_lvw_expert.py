"""The lvw suite's expert twin (bench/python/lvw.py) against the original code it replaces, on the suite's network
(ResNet-34, 37 classes, 185 words x 128, seed 0) and small batches:
  - the training loss: the gradients of the expert's lvw_loss against those of train_and_test._train_or_test
    (class_specific=False, is_attn=True, settings.coefs), recorded at the optimizer's step instead of applied;
  - the push: push_vectorised's words, receptive-field boxes and high-activation boxes against push.push_prototypes's
    (the boxes from the .npy files it saves when given a directory).
Usage: LVW=/path/to/Learnable-Visual-Words /usr/bin/python3 bench/investigations/check_lvw_expert.py [BATCH] [IMAGES]
(defaults 4 and 8: about a minute on 2 cores). Exit status 1 when something differs."""
import copy
import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import lvw  # noqa: E402

batch = int(sys.argv[1]) if len(sys.argv) > 1 else 4
images_n = int(sys.argv[2]) if len(sys.argv) > 2 else 8
torch.set_num_threads(2)
failures = 0


def report(what, ok, detail):
    global failures
    failures += 0 if ok else 1
    print(f"{'ok  ' if ok else 'DIFF'} {what}: {detail}")


class Recorder:
    """An optimizer that records the gradients at step() and changes nothing."""

    def __init__(self, net):
        self.params = dict(net.named_parameters())
        self.grads = {}

    def zero_grad(self):
        for p in self.params.values():
            p.grad = None

    def step(self):
        self.grads = {k: p.grad.detach().clone() for k, p in self.params.items() if p.grad is not None}


tnt = lvw.original("train_and_test")
torch.autograd.set_detect_anomaly(False)  # changes nothing but speed
s = lvw.original("settings")
net, _ = lvw.build()
expert_net = copy.deepcopy(net)

# ---- training loss and gradients
images, targets, labels = lvw.train_batch(batch)
wrapper = torch.nn.DataParallel(net)
net.train()
recorder = Recorder(net)
tnt._train_or_test(model=wrapper, dataloader=[(torch.cat([images, targets.unsqueeze(1)], 1), labels)], optimizer=recorder,
                   class_specific=False, coefs=s.coefs, log=lambda *_: None, is_attn=True)
expert_net.train()
expert_net.zero_grad(set_to_none=True)
total, ce, _ = lvw.lvw_loss(expert_net, images, targets, labels)
total.backward()
expert_grads = {k: p.grad for k, p in expert_net.named_parameters() if p.grad is not None}
for key in ["prototype_vectors", "last_layer.weight", "add_on_layers.0.weight", "add_on_layers.2.bias", "features.conv1.weight",
            "features.layer4.2.bn2.weight"]:
    a, b = recorder.grads[key], expert_grads[key]
    err = ((a - b).abs().max() / a.abs().max().clamp_min(1e-30)).item()
    report(f"gradient of {key}", err < 1e-4, f"max |diff| / max |grad| = {err:.2e}")

# ---- push
net, _ = lvw.build()
expert_net = copy.deepcopy(net)
push_py, preprocess = lvw.original("push"), lvw.original("preprocess")
images, labels = lvw.push_data(images_n)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.cat([images, torch.zeros_like(images[:, :1])], 1), labels),
                                     batch_size=batch, shuffle=False)
with tempfile.TemporaryDirectory() as tmp:
    push_py.push_prototypes(loader, prototype_network_parallel=torch.nn.DataParallel(net), class_specific=False,
                            preprocess_input_function=preprocess.preprocess_input_function, prototype_layer_stride=1,
                            root_dir_for_saving_prototypes=tmp, epoch_number=0, prototype_img_filename_prefix=None,
                            prototype_self_act_filename_prefix=None, proto_bound_boxes_filename_prefix="bb",
                            save_prototype_class_identity=True, log=lambda *_: None)
    rf = np.load(os.path.join(tmp, "epoch-0", "bb-receptive_field0.npy"))
    high = np.load(os.path.join(tmp, "epoch-0", "bb0.npy"))
rf_e, high_e = lvw.push_vectorised(expert_net, images, labels, batch, expert_net.proto_layer_rf_info,
                                   lvw.original("receptive_field").compute_rf_prototype)
words, words_e = net.prototype_vectors.detach(), expert_net.prototype_vectors.detach()
report("pushed words", torch.equal(words, words_e), f"max |diff| {(words - words_e).abs().max().item():.2e}, "
       f"{lvw.distinct_words(words)} distinct patches")
report("receptive-field boxes", np.array_equal(rf, rf_e), f"{(rf != rf_e).any(1).sum()} of {len(rf)} rows differ")
report("high-activation boxes", np.array_equal(high, high_e), f"{(high != high_e).any(1).sum()} of {len(high)} rows differ")
sys.exit(1 if failures else 0)
