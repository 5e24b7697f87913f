// TorchScript models (torch.jit.script / torch.jit.trace, saved with torch.jit.save) loaded by libtorch's own loader,
// and the graph surgery that lets Ocular explain them without re-implementing their architecture: a layer is a
// module call (prim::CallMethod "forward" on the submodule at a path) in the forward graph, made reachable by inlining
// the calls of the modules that enclose it. From there a copy of the graph can
//   - return the layer's output besides the logits (capture),
//   - stop at the layer (the trunk: input -> layer output),
//   - start at the layer (the head: layer output [and input, when a later op reads it] -> logits),
//   - run between two layers (a segment).
// A cut graph is fully inlined so that dead-code elimination can drop what the cut no longer needs (a module call has
// side effects for the eliminator; the aten ops it inlines to do not).
#include "shim.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/ir/alias_analysis.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/passes/remove_mutation.h>
#include <torch/csrc/jit/serialization/import.h>

#include <algorithm>
#include <functional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

using namespace ocl;
using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;

namespace {

struct ScriptModel {
  torch::jit::Module module;
};

struct ScriptCut {
  torch::jit::Module module;
  std::shared_ptr<torch::jit::GraphFunction> function;
  bool takes_input;       // the graph reads the model input
  bool takes_activation;  // the graph starts at a layer's output
  int32_t outputs;
};

thread_local std::string text;   // strings and bytes returned to C#, valid until the next call on the thread

ScriptModel& M(Handle h) { return *static_cast<ScriptModel*>(h); }

// Ocular explains and evaluates a TorchScript model; it does not train it. Frozen parameters also keep autograd
// from recording the weights' side of every op when a layer's gradient is taken.
ScriptModel* frozen(torch::jit::Module m) {
  for (auto p : m.parameters()) p.requires_grad_(false);
  return new ScriptModel{std::move(m)};
}
ScriptCut& C(Handle h) { return *static_cast<ScriptCut*>(h); }

// The submodule path a value holds ("" for the module itself), or false when it is not a chain of attribute reads
// from `self`.
bool module_path(Value* v, Value* self, std::string& path) {
  std::vector<std::string> parts;
  while (v != self) {
    Node* n = v->node();
    if (n->kind() != c10::prim::GetAttr) return false;
    parts.push_back(n->s(c10::attr::name));
    v = n->input(0);
  }
  path.clear();
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!path.empty()) path += '.';
    path += *it;
  }
  return true;
}

bool is_forward_call(Node* n) {
  return n->kind() == c10::prim::CallMethod && n->s(c10::attr::name) == "forward";
}

// Any method call: forward, or a helper such as torchvision ResNet's _forward_impl or DenseNet's bn_function, which is
// inlined on the way to the module calls inside it.
bool is_method_call(Node* n) { return n->kind() == c10::prim::CallMethod; }

// Every module-call path anywhere in the graph (top level first, then nested blocks), for error messages.
void call_paths(torch::jit::Block* block, Value* self, std::vector<std::string>& out, bool nested, std::vector<std::string>& in_blocks) {
  for (Node* n : block->nodes()) {
    std::string p;
    if (is_forward_call(n) && module_path(n->input(0), self, p)) (nested ? in_blocks : out).push_back(p);
    for (auto* b : n->blocks()) call_paths(b, self, out, true, in_blocks);
  }
}

std::string join(const std::vector<std::string>& v, size_t limit = 40) {
  std::ostringstream s;
  for (size_t i = 0; i < v.size() && i < limit; ++i) s << (i ? ", " : "") << v[i];
  if (v.size() > limit) s << ", … (" << v.size() << " in all)";
  return s.str();
}

// The call node of the layer at `path` in the top-level block of `g`, inlining the calls of enclosing modules
// (`features` for `features.denseblock4`) until the layer's own call is there.
// Values in `tracked` that an inlined call returned are replaced by what computes them in its inlined body.
Node* find_call(Graph& g, const std::string& path, std::vector<Value*>* tracked = nullptr) {
  Value* self = g.inputs().at(0);
  for (int round = 0; round < 64; ++round) {
    std::vector<Node*> exact;
    Node* enclosing = nullptr;
    for (Node* n : g.nodes()) {
      std::string p;
      if (!is_method_call(n) || !module_path(n->input(0), self, p)) continue;
      if (p == path && is_forward_call(n)) exact.push_back(n);
      else if (enclosing == nullptr && (p.empty() || p == path || path.rfind(p + ".", 0) == 0)) enclosing = n;
    }
    if (exact.size() == 1) return exact[0];
    if (exact.size() > 1)
      throw std::invalid_argument("layer '" + path + "' is called " + std::to_string(exact.size()) +
                                  " times in the forward pass, so its output is not one tensor; explain a layer that runs once");
    if (enclosing == nullptr) break;
    auto* callee = torch::jit::tryToGraphFunction(enclosing);
    if (callee == nullptr) break;
    Value* old = enclosing->outputs().size() == 1 ? enclosing->output() : nullptr;
    auto outs = torch::jit::inlineCallTo(enclosing, callee, /*inline_optimized_graph=*/false);
    if (tracked != nullptr && old != nullptr && outs.size() == 1)
      for (auto& v : *tracked)
        if (v == old) v = outs[0];
  }
  std::vector<std::string> top, nested;
  call_paths(g.block(), self, top, false, nested);
  for (const auto& p : nested)
    if (p == path)
      throw std::invalid_argument("layer '" + path + "' is called inside a loop or a branch of the forward pass, so it has no single output " +
                                  "to explain; layers called once at the top level: " + join(top));
  throw std::invalid_argument("'" + path + "' is not a module call in the forward graph (a submodule that is never called, a function " +
                              "the graph inlines, or a name that is not a submodule); layers that are module calls: " + join(top));
}

std::shared_ptr<Graph> forward_graph(const torch::jit::Module& m) {
  auto method = m.find_method("forward");
  if (!method) throw std::invalid_argument("the TorchScript module has no forward method");
  auto g = method->graph()->copy();
  if (g->inputs().size() != 2)
    throw std::invalid_argument("the model's forward takes " + std::to_string(g->inputs().size() - 1) +
                                " arguments; Ocular explains models whose forward takes one image batch");
  return g;
}

// Removes every top-level node after `n` (last first: their uses are later nodes or the graph's outputs, which the
// caller has already replaced), so that the graph ends with n's output as the call returned it — before any in-place
// op the original program runs on it afterwards.
void drop_after(Graph& g, Node* n) {
  for (Node* it = g.return_node()->prev(); it != n;) {
    Node* prev = it->prev();
    it->destroy();
    it = prev;
  }
}

// Collects the values a node reads, including those read inside its blocks (a branch's or a loop's body).
void reads(Node* n, std::unordered_set<const Value*>& out) {
  for (Value* v : n->inputs()) out.insert(v);
  for (auto* b : n->blocks()) {
    for (Node* inner : b->nodes()) reads(inner, out);
    for (Value* v : b->outputs()) out.insert(v);
  }
}

// Tensors, lists and dicts can be written in place (AliasDb::isMutableType is not exported by libtorch 1.13).
bool mutable_type(const c10::TypePtr& type) {
  switch (type->kind()) {
    case c10::TypeKind::TensorType:
    case c10::TypeKind::ListType:
    case c10::TypeKind::DictType:
      return true;
    case c10::TypeKind::OptionalType:
      return mutable_type(type->expectRef<c10::OptionalType>().getElementType());
    default:
      return false;
  }
}

// Whether `n` (or a node in its blocks) writes, by its schema's alias annotation (an in-place op), to a value that may
// alias one of `targets`. AliasDb::writesToAlias alone is too cautious here: it counts aten::batch_norm as a writer of
// the running statistics, which would keep every batch norm of the prefix and so the whole prefix.
bool writes_to(Node* n, const torch::jit::AliasDb& alias, const torch::jit::ValueSet& targets) {
  if (auto* schema = n->maybeSchema()) {
    const auto& arguments = schema->arguments();
    for (size_t i = 0; i < arguments.size() && i < n->inputs().size(); ++i) {
      const auto* info = arguments[i].alias_info();
      if (info != nullptr && info->isWrite() && alias.mayAlias(torch::jit::ValueSet{n->input(i)}, targets)) return true;
    }
  }
  for (auto* b : n->blocks())
    for (Node* inner : b->nodes())
      if (writes_to(inner, alias, targets)) return true;
  return false;
}

// Removes the top-level nodes before `start` that nothing from `start` on needs: neither their outputs are read later
// nor do they write to what is read later. What is left of the prefix is what the rest of the forward pass still reads
// (a skip from the input, a branch) — not the prefix's own checks and state updates, which libtorch's dead-code
// elimination keeps because they may raise or mutate (a batch norm's input-rank check, its num_batches_tracked).
void prune_before(const std::shared_ptr<Graph>& g, Node* start) {
  torch::jit::AliasDb alias(g);
  std::unordered_set<const Value*> live;
  for (Node* n = start; n != g->return_node(); n = n->next()) reads(n, live);
  for (Value* v : g->outputs()) live.insert(v);
  std::vector<Node*> doomed;
  for (Node* n = start->prev(); n != g->param_node(); n = n->prev()) {
    bool needed = false;
    for (Value* v : n->outputs()) needed |= live.count(v) > 0;
    if (!needed) {
      // In-place writes to the tensors and lists the rest reads (a value a skip connection carries on, a list a dense
      // block appends to) keep a node; writes to module state (running statistics, counters) do not: those are the
      // prefix's own.
      torch::jit::ValueSet targets;
      for (const Value* v : live)
        if (mutable_type(v->type()) && v->node()->kind() != c10::prim::GetAttr) targets.insert(const_cast<Value*>(v));
      needed = writes_to(n, alias, targets);
    }
    if (needed) reads(n, live);
    else doomed.push_back(n);

  }
  for (Node* n : doomed) n->destroy();   // latest first: their uses were later doomed nodes, already gone
}

// Makes `outputs` the graph's single output (a tuple when there are several: a graph function returns one value).
void set_outputs(Graph& g, const std::vector<Value*>& outputs) {
  while (!g.outputs().empty()) g.eraseOutput(g.outputs().size() - 1);
  if (outputs.size() == 1) {
    g.registerOutput(outputs[0]);
    return;
  }
  Node* tuple = g.createTuple(outputs);
  g.appendNode(tuple);
  g.registerOutput(tuple->output());
}

ScriptCut* make_cut(const torch::jit::Module& m, std::shared_ptr<Graph> g, bool takes_activation, int32_t outputs) {
  torch::jit::Inline(*g);
  // In-place ops on values the cut no longer needs keep them alive for dead-code elimination (a write may alias a list
  // element); functional forms let it drop them.
  torch::jit::RemoveListMutation(g);
  torch::jit::RemoveTensorMutation(g);
  torch::jit::EliminateDeadCode(g);
  bool takes_input = !g->inputs().at(1)->uses().empty();
  if (!takes_input) g->eraseInput(1);
  auto fn = std::make_shared<torch::jit::GraphFunction>(c10::QualifiedName("ocular.cut"), g, nullptr);
  return new ScriptCut{m, fn, takes_input, takes_activation, outputs};
}

}  // namespace

OCL_API Handle ocl_jit_load(const char* path) {
  OCL_TRY { return frozen(torch::jit::load(std::string(path), at::Device(at::kCPU))); }
  OCL_CATCH(nullptr)
}

// The same from the archive's bytes (a TorchScript model embedded in an Ocular checkpoint).
OCL_API Handle ocl_jit_load_bytes(const uint8_t* data, int64_t size) {
  OCL_TRY {
    std::istringstream stream(std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(size)));
    return frozen(torch::jit::load(stream, at::Device(at::kCPU)));
  }
  OCL_CATCH(nullptr)
}

OCL_API void ocl_jit_free(Handle h) { delete static_cast<ScriptModel*>(h); }

// The model as a torch.jit.save archive, with its current weights: the bytes stay valid until the next call on this
// thread.
OCL_API int64_t ocl_jit_save(Handle h, const uint8_t** data) {
  OCL_TRY {
    std::ostringstream stream;
    M(h).module.save(stream);
    text = stream.str();
    *data = reinterpret_cast<const uint8_t*>(text.data());
    return static_cast<int64_t>(text.size());
  }
  OCL_CATCH(-1)
}

// Runs the forward method of the submodule at `path` ("" = the model) on one tensor.
OCL_API Handle ocl_jit_call(Handle h, const char* path, Handle input) {
  OCL_TRY {
    torch::jit::Module m = M(h).module;
    std::string rest(path);
    while (!rest.empty()) {
      auto dot = rest.find('.');
      auto name = rest.substr(0, dot);
      if (!m.hasattr(name) || !m.attr(name).isModule()) throw std::invalid_argument("the model has no submodule '" + std::string(path) + "'");
      m = m.attr(name).toModule();
      rest = dot == std::string::npos ? "" : rest.substr(dot + 1);
    }
    std::vector<c10::IValue> in{T(input)};
    auto out = m.forward(in);
    if (!out.isTensor()) throw std::invalid_argument(std::string("'") + path + "' returns a " + out.tagKind() + ", not a tensor");
    return wrap(out.toTensor());
  }
  OCL_CATCH(nullptr)
}

OCL_API Handle ocl_jit_forward(Handle h, Handle input) {
  OCL_TRY {
    std::vector<c10::IValue> in{T(input)};
    auto out = M(h).module.forward(in);
    if (!out.isTensor())
      throw std::invalid_argument(std::string("the model's forward returns a ") + out.tagKind() +
                                  ", not a tensor of logits [N, classes]");
    return wrap(out.toTensor());
  }
  OCL_CATCH(nullptr)
}

OCL_API int32_t ocl_jit_train(Handle h, int32_t on) {
  OCL_TRY {
    M(h).module.train(on != 0);
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_jit_is_training(Handle h) {
  OCL_TRY { return M(h).module.is_training() ? 1 : 0; }
  OCL_CATCH(-1)
}

// "path\ttype\n" per module, the model itself first (path ""), depth first as named_modules().
OCL_API const char* ocl_jit_modules(Handle h) {
  OCL_TRY {
    std::ostringstream s;
    for (const auto& item : M(h).module.named_modules()) {
      auto type = item.value.type()->name();
      s << item.name << '\t' << (type ? type->qualifiedName() : std::string("?")) << '\n';
    }
    text = s.str();
    return text.c_str();
  }
  OCL_CATCH(nullptr)
}

// The parameters (buffers = 0) or buffers (1): names, '\n'-separated, in `names` (thread-local) and the tensors, which
// share the model's storage, in `out`. Returns the count, or -1.
OCL_API int32_t ocl_jit_tensors(Handle h, int32_t buffers, Handle* out, int32_t cap, const char** names) {
  OCL_TRY {
    std::vector<std::pair<std::string, at::Tensor>> items;
    if (buffers != 0)
      for (const auto& b : M(h).module.named_buffers()) items.emplace_back(b.name, b.value);
    else
      for (const auto& p : M(h).module.named_parameters()) items.emplace_back(p.name, p.value);
    if (static_cast<int64_t>(items.size()) > cap) {
      set_last_error(("the model has " + std::to_string(items.size()) + " tensors, more than " + std::to_string(cap)).c_str());
      return -1;
    }
    std::ostringstream s;
    for (size_t i = 0; i < items.size(); ++i) {
      s << items[i].first << '\n';
      out[i] = wrap(items[i].second);
    }
    text = s.str();
    *names = text.c_str();
    return static_cast<int32_t>(items.size());
  }
  OCL_CATCH(-1)
}

// Every module called by the forward pass, as "path\tposition\tcalls\n" lines: position = the index, in the fully
// inlined graph's top-level nodes, of the node that computes the call's output (forward order; -1 when it is computed
// inside a loop or a branch), calls = how many times the module is called. Found by inlining the calls one by one,
// outermost first, following each call's output to the value that finally computes it.
OCL_API const char* ocl_jit_layers(Handle h) {
  OCL_TRY {
    auto g = forward_graph(M(h).module);
    Value* self = g->inputs().at(0);
    struct Call { std::string path; Value* value; int calls; bool nested; };
    std::vector<Call> found;
    auto record = [&](Node* n, bool nested) {
      std::string p;
      if (!module_path(n->input(0), self, p)) p = "?";
      for (auto& c : found)
        if (c.path == p) { c.calls++; c.nested |= nested; return; }
      found.push_back({p, n->outputs().size() == 1 ? n->output() : nullptr, 1, nested});
    };
    for (int guard = 0; guard < 100000; ++guard) {
      Node* next = nullptr;
      bool nested = false;
      std::function<bool(torch::jit::Block*, bool)> scan = [&](torch::jit::Block* b, bool in_block) {
        for (Node* n : b->nodes()) {
          if (is_method_call(n)) { next = n; nested = in_block; return true; }
          for (auto* sub : n->blocks())
            if (scan(sub, true)) return true;
        }
        return false;
      };
      if (!scan(g->block(), false)) break;
      std::string p;
      if (is_forward_call(next) && module_path(next->input(0), self, p) && !p.empty()) record(next, nested);
      Value* old = next->outputs().size() == 1 ? next->output() : nullptr;
      auto* callee = torch::jit::tryToGraphFunction(next);
      if (callee == nullptr) throw std::invalid_argument("a module call in the forward graph cannot be inlined");
      auto outs = torch::jit::inlineCallTo(next, callee, /*inline_optimized_graph=*/false);
      if (old != nullptr && outs.size() == 1)
        for (auto& c : found)
          if (c.value == old) c.value = outs[0];
    }
    std::unordered_map<Node*, int> position;
    int i = 0;
    for (Node* n : g->nodes()) position[n] = i++;
    std::ostringstream s;
    for (auto& c : found) {
      int pos = -1;
      if (c.value != nullptr && !c.nested) {
        Node* def = c.value->node();
        if (def->owningBlock() == g->block()) pos = def->kind() == c10::prim::Param ? 0 : position[def];
      }
      s << c.path << '\t' << pos << '\t' << c.calls << '\n';
    }
    text = s.str();
    return text.c_str();
  }
  OCL_CATCH(nullptr)
}

// A copy of the forward graph that returns the outputs of `paths` (n of them) after the logits.
OCL_API Handle ocl_jit_capture(Handle h, const char** paths, int32_t n) {
  OCL_TRY {
    auto g = forward_graph(M(h).module);
    // Outer modules first: reaching `stem.0` inlines `stem`, whose output is then tracked to its inlined body.
    std::vector<int32_t> order(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; ++i) order[i] = i;
    auto depth = [&](int32_t i) { return std::count(paths[i], paths[i] + std::strlen(paths[i]), '.'); };
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return depth(a) < depth(b); });
    std::vector<Value*> values(static_cast<size_t>(n), nullptr);
    for (int32_t i : order) values[i] = find_call(*g, paths[i], &values)->output();
    std::vector<Value*> outputs{g->outputs().at(0)};
    outputs.insert(outputs.end(), values.begin(), values.end());
    set_outputs(*g, outputs);
    return make_cut(M(h).module, g, false, n + 1);
  }
  OCL_CATCH(nullptr)
}

// The graph from the output of layer `from` (null: the input) to the output of layer `to` (null: the logits).
OCL_API Handle ocl_jit_cut(Handle h, const char* from, const char* to) {
  OCL_TRY {
    auto g = forward_graph(M(h).module);
    if (from != nullptr && to != nullptr) {
      if (std::string(from) == to) throw std::invalid_argument("a segment from a layer to itself is empty");
      Node* a = find_call(*g, from);
      Node* b = find_call(*g, to);   // may inline a module that encloses `from`: look it up again
      a = find_call(*g, from);
      if (!a->isBefore(b)) throw std::invalid_argument(std::string("layer '") + to + "' does not come after '" + from + "' in the forward pass");
    }
    if (to != nullptr) {
      Node* n = find_call(*g, to);
      set_outputs(*g, {n->output()});
      drop_after(*g, n);
    }
    if (from != nullptr) {
      Node* n = find_call(*g, from);
      Value* activation = g->addInput("activation");
      activation->setType(n->output()->type());
      // The graph works on a copy: an in-place op after the layer (a ReLU(inplace=True)) must not overwrite the
      // caller's tensor, nor a leaf that requires grad.
      Node* first;
      {
        torch::jit::WithInsertPoint guard(n);
        Value* copy = g->insert(c10::aten::clone, {activation});
        first = copy->node();
        n->output()->replaceAllUsesWith(copy);
        n->destroy();
      }
      torch::jit::Inline(*g);
      prune_before(g, first);
    }
    auto* cut = make_cut(M(h).module, g, from != nullptr, 1);
    // A `to` layer that runs before `from` leaves a graph whose output does not depend on the activation.
    if (from != nullptr && to != nullptr && cut->function->graph()->inputs().back()->uses().empty()) {
      delete cut;
      throw std::invalid_argument(std::string("layer '") + to + "' does not depend on the output of '" + from + "'");
    }
    return cut;
  }
  OCL_CATCH(nullptr)
}

OCL_API void ocl_jit_cut_free(Handle h) { delete static_cast<ScriptCut*>(h); }

// flags: bit 0 = reads the model input, bit 1 = starts at an activation; returns the output count in the high half.
OCL_API int32_t ocl_jit_cut_info(Handle h) {
  auto& c = C(h);
  return (c.takes_input ? 1 : 0) | (c.takes_activation ? 2 : 0) | (c.outputs << 16);
}

// Runs a cut on (input, activation) — either may be null when the cut does not take it — and writes its outputs.
OCL_API int32_t ocl_jit_cut_run(Handle h, Handle input, Handle activation, Handle* out, int32_t cap) {
  OCL_TRY {
    auto& c = C(h);
    torch::jit::Stack stack{c.module._ivalue()};
    if (c.takes_input) {
      if (input == nullptr) throw std::invalid_argument("this part of the model reads the model's input image; pass it");
      stack.emplace_back(T(input));
    }
    if (c.takes_activation) {
      if (activation == nullptr) throw std::invalid_argument("this part of the model starts at a layer's output; pass it");
      stack.emplace_back(T(activation));
    }
    c.function->run(stack);
    if (c.outputs > 1) {   // one tuple
      auto elements = stack.at(0).toTupleRef().elements().vec();
      stack = std::move(elements);
    }
    std::vector<at::Tensor> outs;
    for (auto& v : stack) {
      if (!v.isTensor()) throw std::invalid_argument(std::string("the graph returned a ") + v.tagKind() + ", not a tensor");
      outs.push_back(v.toTensor());
    }
    return write_list(outs, out, cap);
  }
  OCL_CATCH(-1)
}

// The graph of a cut, as text (for diagnostics and tests).
OCL_API const char* ocl_jit_cut_graph(Handle h) {
  OCL_TRY {
    text = C(h).function->graph()->toString();
    return text.c_str();
  }
  OCL_CATCH(nullptr)
}
