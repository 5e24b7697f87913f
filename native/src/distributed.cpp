// torch.distributed's engine, c10d, as libtorch ships it: a TCPStore rendezvous and a Gloo process group, set up exactly
// as torch.distributed.init_process_group("gloo", ...) sets up its default group, so that Ocular and PyTorch ranks can
// join one group: the store wrapped in PrefixStore("default_pg"), the group's own PrefixStore("0"), the store-based
// barrier on "store_based_barrier_key:1", then the group's sequence number. Collectives run synchronously (wait), with
// the group's timeout.
#include "distributed.h"
#include <sstream>
#include <thread>

using namespace ocl;

namespace {

std::string seconds(std::chrono::milliseconds t) {
  std::ostringstream s;
  s << t.count() / 1000.0 << " s";
  return s.str();
}

// torch.distributed's _store_based_barrier: every rank adds 1 to the key, then waits until the count is the world size.
void store_based_barrier(Group& g) {
  const std::string key = "store_based_barrier_key:1";
  g.store->add(key, 1);
  auto start = std::chrono::steady_clock::now();
  while (g.store->add(key, 0) != g.size) {
    if (std::chrono::steady_clock::now() - start > g.timeout)
      throw std::runtime_error("timed out after " + seconds(g.timeout) + " waiting for all " +
                               std::to_string(g.size) + " ranks to join (" + std::to_string(g.store->add(key, 0)) + " arrived)");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

c10d::ReduceOp reduce_op(int32_t op) {
  switch (op) {
    case 0: return c10d::ReduceOp(c10d::ReduceOp::SUM);
    case 2: return c10d::ReduceOp(c10d::ReduceOp::PRODUCT);
    case 3: return c10d::ReduceOp(c10d::ReduceOp::MIN);
    case 4: return c10d::ReduceOp(c10d::ReduceOp::MAX);
    default: throw std::invalid_argument("Gloo reduces with sum, product, min or max; got operation " + std::to_string(op));
  }
}

}  // namespace

// Joins the default group of `size` ranks at host:port as `rank` (rank 0 serves the store). timeout_ms bounds the
// rendezvous and every collective. interface: the address Gloo binds to ("" for the machine's hostname, as PyTorch).
OCL_API Handle ocl_dist_init(const char* host, int32_t port, int32_t rank, int32_t size, int64_t timeout_ms, const char* interface) {
  OCL_TRY {
    if (size < 1 || rank < 0 || rank >= size)
      throw std::invalid_argument("rank " + std::to_string(rank) + " is outside a world of " + std::to_string(size));
    auto g = std::make_unique<Group>();
    g->rank = rank;
    g->size = size;
    g->timeout = std::chrono::milliseconds(timeout_ms);
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(port);
    options.isServer = rank == 0;
    options.numWorkers = static_cast<std::size_t>(size);
    // As torch.distributed's TCPStore: every rank counts itself in and waits for the others — a PyTorch rank 0 waits
    // for that count before it goes on.
    options.waitWorkers = true;
    options.timeout = g->timeout;
    g->tcp = c10::make_intrusive<c10d::TCPStore>(std::string(host), options);
    g->store = c10::make_intrusive<c10d::PrefixStore>("default_pg", g->tcp);
    auto pg_options = c10d::ProcessGroupGloo::Options::create(g->timeout);
    std::string iface(interface);
    pg_options->devices.push_back(iface.empty() ? c10d::ProcessGroupGloo::createDefaultDevice()
                                                : c10d::ProcessGroupGloo::createDeviceForHostname(iface));
    pg_options->threads = 2;
    try {
      g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("0", g->store), rank, size, pg_options);
    } catch (const std::exception& e) {
      // Gloo's rendezvous: every rank publishes its address under default_pg/0/0/<rank>, then waits for the others'.
      // A timeout there names the ranks that did not arrive; any other failure keeps libtorch's message.
      std::string what = e.what();
      if (what.find("imeout") == std::string::npos && what.find("timed out") == std::string::npos) throw;
      std::string missing;
      int arrived = 0;
      for (int r = 0; r < size; ++r) {
        bool there = false;
        try {
          there = g->tcp->check({"default_pg/0/0/" + std::to_string(r)});
        } catch (...) {
        }
        if (there) ++arrived;
        else missing += (missing.empty() ? "" : ", ") + std::to_string(r);
      }
      if (arrived < size)
        throw std::runtime_error("timed out after " + seconds(g->timeout) + " waiting for all " + std::to_string(size) +
                                 " ranks to join (" + std::to_string(arrived) + " arrived; missing: rank " + missing + ")");
      throw;
    }
    store_based_barrier(*g);
    g->pg->setSequenceNumberForGroup();
    g->start_heartbeat();
    return g.release();
  }
  OCL_CATCH(nullptr)
}

void Group::start_heartbeat() {
  // The first beat before the thread: a rank that leaves at once (or whose thread is slow to start) still has a
  // counter, so that the others can tell it stopped.
  tcp->add(heartbeat_key(rank), 1);
  heartbeat = std::thread([this] {
    std::unique_lock<std::mutex> lock(heartbeat_mutex);
    while (!heartbeat_wake.wait_for(lock, heartbeat_interval, [this] { return stopping; })) {
      try {
        tcp->add(heartbeat_key(rank), 1);
      } catch (...) {
        return;   // the store is gone (rank 0 stopped): nothing left to tell
      }
    }
  });
}

Group::~Group() {
  {
    std::lock_guard<std::mutex> lock(heartbeat_mutex);
    stopping = true;
  }
  heartbeat_wake.notify_all();
  if (heartbeat.joinable()) heartbeat.join();
}

OCL_API void ocl_dist_free(Handle h) { delete static_cast<Group*>(h); }

// After a failed collective: which ranks stopped. Reads every rank's heartbeat, waits a few intervals, reads again; a
// rank whose count did not move is gone. Ranks that never beat (PyTorch ranks) are not judged. "" when all live.
OCL_API const char* ocl_dist_diagnose(Handle h) {
  thread_local std::string text;
  OCL_TRY {
    auto& g = G(h);
    auto beats = [&g] {
      std::vector<int64_t> counts(static_cast<size_t>(g.size), -1);
      for (int r = 0; r < g.size; ++r)
        if (g.tcp->check({heartbeat_key(r)})) counts[static_cast<size_t>(r)] = g.tcp->add(heartbeat_key(r), 0);
      return counts;
    };
    std::vector<int64_t> before;
    try {
      before = beats();
    } catch (const std::exception&) {
      text = g.rank == 0 ? "" : "rank 0, which serves the store, is gone";
      return text.c_str();
    }
    std::this_thread::sleep_for(Group::heartbeat_interval * 5);
    std::vector<int64_t> after;
    try {
      after = beats();
    } catch (const std::exception&) {
      text = "rank 0, which serves the store, is gone";
      return text.c_str();
    }
    std::string gone;
    for (int r = 0; r < g.size; ++r)
      if (r != g.rank && before[static_cast<size_t>(r)] >= 0 && after[static_cast<size_t>(r)] == before[static_cast<size_t>(r)])
        gone += (gone.empty() ? "" : ", ") + std::to_string(r);
    text = gone.empty() ? "" : (gone.find(',') == std::string::npos ? "rank " : "ranks ") + gone + " stopped (no heartbeat for " +
                                   std::to_string(Group::heartbeat_interval.count() * 5 / 1000.0).substr(0, 3) + " s)";
    return text.c_str();
  }
  OCL_CATCH(nullptr)
}

OCL_API int32_t ocl_dist_all_reduce(Handle h, Handle tensor, int32_t op) {
  OCL_TRY {
    std::vector<at::Tensor> tensors{T(tensor)};
    c10d::AllreduceOptions options;
    options.reduceOp = reduce_op(op);
    options.timeout = G(h).timeout;
    wait(G(h).pg->allreduce(tensors, options), G(h));
    return 0;
  }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_dist_broadcast(Handle h, Handle tensor, int32_t root) {
  OCL_TRY {
    std::vector<at::Tensor> tensors{T(tensor)};
    c10d::BroadcastOptions options;
    options.rootRank = root;
    options.timeout = G(h).timeout;
    wait(G(h).pg->broadcast(tensors, options), G(h));
    return 0;
  }
  OCL_CATCH(-1)
}

// Every rank's `tensor`, in rank order, into `out` (capacity: the world size).
OCL_API int32_t ocl_dist_all_gather(Handle h, Handle tensor, Handle* out, int32_t cap) {
  OCL_TRY {
    auto& g = G(h);
    std::vector<at::Tensor> inputs{T(tensor)};
    std::vector<std::vector<at::Tensor>> outputs(1);
    for (int i = 0; i < g.size; ++i) outputs[0].push_back(at::empty_like(T(tensor)));
    c10d::AllgatherOptions options;
    options.timeout = g.timeout;
    wait(g.pg->allgather(outputs, inputs, options), g);
    return write_list(outputs[0], out, cap);
  }
  OCL_CATCH(-1)
}

OCL_API int32_t ocl_dist_barrier(Handle h) {
  OCL_TRY {
    c10d::BarrierOptions options;
    options.timeout = G(h).timeout;
    wait(G(h).pg->barrier(options), G(h));
    return 0;
  }
  OCL_CATCH(-1)
}
