// The mvx LLVM pass plugin (clang-19 -fpass-plugin=libmvx_autosync.so): without any pragma, wraps
// direct calls to known nondeterministic functions in sync regions of the runtime, and routes
// pthread mutex locking through the runtime's lock-order replay.
//
//   r = rand();               ->  mvx_sync_op_before(id); r = rand();
//                                 slot = r; mvx_sync_op_after(id, &slot, sizeof r); r = slot;
//   clock_gettime(c, ts);     ->  ... mvx_sync_op_after(id, ts, sizeof(struct timespec)) ...
//   pthread_mutex_lock(m)     ->  mvx_pthread_mutex_lock(m)   (also trylock, cond_wait,
//                                                            cond_timedwait)
//
// Ids hash the module's source file, the caller, the callee and the call's ordinal in the
// caller, counted before optimisation (the pass runs at the start of the pipeline), so they are
// the same in every variant and at every -O level. Calls inside a pragma region are wrapped
// again; the runtime's nesting depth makes the inner region a no-op. A module that defines the
// runtime's entry points (the runtime itself) is left alone.
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

using namespace llvm;

namespace {

enum class Sync { Result, ResultAndArg0, OutArg1Timespec, OutArg0Timeval, OutArg0Len1, LockOrder };

const std::map<std::string, Sync> &known() {
  static const std::map<std::string, Sync> K = {
      {"rand", Sync::Result},          {"random", Sync::Result},
      {"lrand48", Sync::Result},       {"mrand48", Sync::Result},
      {"drand48", Sync::Result},       {"getpid", Sync::Result},
      {"time", Sync::ResultAndArg0},   {"clock_gettime", Sync::OutArg1Timespec},
      {"gettimeofday", Sync::OutArg0Timeval}, {"getrandom", Sync::OutArg0Len1},
      {"pthread_mutex_lock", Sync::LockOrder},     {"pthread_mutex_trylock", Sync::LockOrder},
      {"pthread_cond_wait", Sync::LockOrder},      {"pthread_cond_timedwait", Sync::LockOrder},
  };
  return K;
}

uint64_t fnv(const std::string &S, uint64_t H = 0xcbf29ce484222325ull) {
  for (unsigned char C : S) {
    H ^= C;
    H *= 0x100000001b3ull;
  }
  return H;
}

struct MvxAutoSync : PassInfoMixin<MvxAutoSync> {
  PreservedAnalyses run(Module &M, ModuleAnalysisManager &) {
    if (M.getFunction("mvx_sync_op_after") && !M.getFunction("mvx_sync_op_after")->isDeclaration())
      return PreservedAnalyses::all();
    LLVMContext &Ctx = M.getContext();
    Type *I64 = Type::getInt64Ty(Ctx);
    Type *Ptr = PointerType::getUnqual(Ctx);
    Type *Void = Type::getVoidTy(Ctx);
    FunctionCallee Before = M.getOrInsertFunction("mvx_sync_op_before", Void, I64);
    FunctionCallee After = M.getOrInsertFunction("mvx_sync_op_after", Void, I64, Ptr, I64);
    const DataLayout &DL = M.getDataLayout();
    bool Changed = false;
    for (Function &F : M) {
      if (F.isDeclaration())
        continue;
      std::vector<std::pair<CallInst *, Sync>> Calls;
      for (BasicBlock &BB : F)
        for (Instruction &I : BB)
          if (auto *CI = dyn_cast<CallInst>(&I))
            if (Function *Callee = CI->getCalledFunction()) {
              auto It = known().find(Callee->getName().str());
              if (It != known().end())
                Calls.push_back({CI, It->second});
            }
      unsigned Ordinal = 0;
      for (auto [CI, Kind] : Calls) {
        uint64_t Id = fnv(M.getSourceFileName() + "/" + F.getName().str() + "/" +
                          CI->getCalledFunction()->getName().str() + "/" + std::to_string(Ordinal++));
        Changed = true;
        if (Kind == Sync::LockOrder) {
          // The same call, through the runtime's lock-order replay (mvx_<name>).
          Function *Callee = CI->getCalledFunction();
          FunctionCallee Ordered =
              M.getOrInsertFunction("mvx_" + Callee->getName().str(), Callee->getFunctionType());
          CI->setCalledFunction(Ordered);
          continue;
        }
        IRBuilder<> B(CI);
        B.CreateCall(Before, {B.getInt64(Id)});
        B.SetInsertPoint(CI->getNextNode());
        auto syncBytes = [&](Value *P, Value *Len) {
          B.CreateCall(After, {B.getInt64(Id), P, Len});
        };
        switch (Kind) {
        case Sync::Result:
        case Sync::ResultAndArg0: {
          Type *T = CI->getType();
          IRBuilder<> Entry(&F.getEntryBlock(), F.getEntryBlock().getFirstInsertionPt());
          AllocaInst *Slot = Entry.CreateAlloca(T, nullptr, "mvx.slot");
          B.CreateStore(CI, Slot);
          syncBytes(Slot, B.getInt64(DL.getTypeStoreSize(T)));
          LoadInst *Synced = B.CreateLoad(T, Slot, "mvx.synced");
          CI->replaceUsesWithIf(Synced, [&](Use &U) {
            auto *User = U.getUser();
            return !(isa<StoreInst>(User) && cast<StoreInst>(User)->getPointerOperand() == Slot);
          });
          if (Kind == Sync::ResultAndArg0) {
            // time(t): the leader's value also goes to *t when t is not NULL.
            Value *Arg = CI->getArgOperand(0);
            Value *NonNull = B.CreateICmpNE(Arg, ConstantPointerNull::get(cast<PointerType>(Arg->getType())));
            Instruction *Then = SplitBlockAndInsertIfThen(NonNull, &*B.GetInsertPoint(), false);
            IRBuilder<> TB(Then);
            TB.CreateStore(Synced, Arg);
          }
          break;
        }
        case Sync::OutArg1Timespec:
          syncBytes(CI->getArgOperand(1), B.getInt64(16));
          break;
        case Sync::OutArg0Timeval:
          syncBytes(CI->getArgOperand(0), B.getInt64(16));
          break;
        case Sync::OutArg0Len1:
          syncBytes(CI->getArgOperand(0), B.CreateZExtOrTrunc(CI->getArgOperand(1), I64));
          break;
        case Sync::LockOrder:
          break;
        }
      }
    }
    return Changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
  }
};

} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "mvx-autosync", "0.1", [](PassBuilder &PB) {
            PB.registerPipelineStartEPCallback(
                [](ModulePassManager &MPM, OptimizationLevel) { MPM.addPass(MvxAutoSync()); });
          }};
}
