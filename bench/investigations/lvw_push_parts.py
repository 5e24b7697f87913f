"""Where the original push (push.py's push_prototypes, the lvw suite's reference twin) spends its time: the network's
push_forward against the per-word Python loop (and, inside it, cv2.resize and find_high_activation_crop), CPU seconds,
and the expert's vectorised push beside it. Usage: LVW=... /usr/bin/python3 bench/investigations/lvw_push_parts.py [IMAGES] [BATCH] [THREADS]"""
import os, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import torch, lvw as L
n = int(sys.argv[1]) if len(sys.argv) > 1 else 150
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 75
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 2)
push_py, preprocess, model_py = L.original("push"), L.original("preprocess"), L.original("model")
spent = {"push_forward": 0.0, "cv2.resize": 0.0, "find_high_activation_crop": 0.0, "preprocess": 0.0}
calls = dict.fromkeys(spent, 0)


def timed(name, f):
    def wrapper(*a, **k):
        t = time.process_time()
        try:
            return f(*a, **k)
        finally:
            spent[name] += time.process_time() - t
            calls[name] += 1
    return wrapper


model_py.PPNet.push_forward = timed("push_forward", model_py.PPNet.push_forward)
push_py.cv2 = type(sys)("cv2_timed")
import cv2  # noqa: E402
push_py.cv2.__dict__.update(cv2.__dict__)
push_py.cv2.resize = timed("cv2.resize", cv2.resize)
push_py.find_high_activation_crop = timed("find_high_activation_crop", push_py.find_high_activation_crop)
pre = timed("preprocess", preprocess.preprocess_input_function)
net, _ = L.build()
images, labels = L.push_data(n)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.cat([images, torch.zeros_like(images[:, :1])], 1), labels),
                                     batch_size=batch, shuffle=False)
t, w = time.process_time(), time.perf_counter()
push_py.push_prototypes(loader, prototype_network_parallel=torch.nn.DataParallel(net), class_specific=False, preprocess_input_function=pre,
                        prototype_layer_stride=1, root_dir_for_saving_prototypes=None, epoch_number=None, log=lambda *_: None)
total, wall = time.process_time() - t, time.perf_counter() - w
print(f"original push, {n} images, batch {batch}: {total:.2f} s CPU ({wall:.2f} s wall, load {os.getloadavg()[0]:.1f})")
for k, v in spent.items():
    print(f"  {k:<26} {v:7.2f} s CPU  {calls[k]:4d} calls")
rest = total - sum(spent.values())
print(f"  {'rest (loop, numpy, loader)':<26} {rest:7.2f} s CPU")
net, _ = L.build()
rf_fn = L.original("receptive_field").compute_rf_prototype
t, w = time.process_time(), time.perf_counter()
L.push_vectorised(net, images, labels, batch, net.proto_layer_rf_info, rf_fn)
print(f"vectorised push: {time.process_time() - t:.2f} s CPU ({time.perf_counter() - w:.2f} s wall, load {os.getloadavg()[0]:.1f})")
