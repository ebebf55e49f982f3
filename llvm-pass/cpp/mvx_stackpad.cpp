// The mvx stack-padding pass (clang-19 -fpass-plugin=libmvx_stackpad.so, mvx-cc's `data`
// profile): every local that holds an array (what a stack overflow starts from) gets
// $MVX_STACK_PAD bytes of padding after it, a different number in each variant (mvx-cc sets
// 16 * k for variant k), so the distances between a buffer and the locals, saved registers and
// return address around it differ from variant to variant: an overflow sized for one variant's
// frame corrupts other bytes in another, and the variants diverge.
//
// It runs last in the optimisation pipeline (at -O0 too), on the allocas that survived
// SROA/mem2reg: the frame objects codegen lays out. Pointers are opaque, so widening an alloca's
// type (to { T, [pad x i8] }) leaves every use as it was; lifetime markers keep T's size.
// Without the variable (or at 0) nothing changes.
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"

#include <cstdint>
#include <cstdlib>

using namespace llvm;

namespace {

uint64_t padFromEnv() {
  const char *V = std::getenv("MVX_STACK_PAD");
  if (V == nullptr)
    return 0;
  char *End = nullptr;
  unsigned long long N = std::strtoull(V, &End, 10);
  // Anything malformed or absurd pads nothing rather than breaking the build.
  return (End != V && *End == '\0' && N <= 4096) ? N : 0;
}

bool holdsArray(Type *T) {
  if (T->isArrayTy())
    return true;
  if (auto *S = dyn_cast<StructType>(T))
    for (Type *E : S->elements())
      if (holdsArray(E))
        return true;
  return false;
}

struct MvxStackPad : PassInfoMixin<MvxStackPad> {
  explicit MvxStackPad(uint64_t Pad) : Pad(Pad) {}
  uint64_t Pad;
  PreservedAnalyses run(Function &F, FunctionAnalysisManager &) {
    if (Pad == 0 || F.isDeclaration())
      return PreservedAnalyses::all();
    LLVMContext &Ctx = F.getContext();
    Type *Bytes = ArrayType::get(Type::getInt8Ty(Ctx), Pad);
    bool Changed = false;
    for (Instruction &I : F.getEntryBlock()) {
      auto *AI = dyn_cast<AllocaInst>(&I);
      if (AI == nullptr || !AI->isStaticAlloca() || AI->isArrayAllocation())
        continue;
      Type *T = AI->getAllocatedType();
      if (!holdsArray(T))
        continue;
      AI->setAllocatedType(StructType::get(Ctx, {T, Bytes}));
      Changed = true;
    }
    return Changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
  }
};

} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "mvx-stackpad", "0.1", [](PassBuilder &PB) {
            PB.registerOptimizerLastEPCallback([](ModulePassManager &MPM, OptimizationLevel) {
              MPM.addPass(createModuleToFunctionPassAdaptor(MvxStackPad(padFromEnv())));
            });
          }};
}
