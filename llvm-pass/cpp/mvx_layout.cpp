// The mvx data-layout plugin: gives each variant its own struct layout, so that an overflow
// from one field into the next (a data-only attack: a name buffer into an is_admin flag)
// hits different fields in different variants, and the variants diverge.
//
//   clang-19 -fplugin=libmvx_layout.so -fplugin-arg-mvx_layout-seed=S \
//            -fplugin-arg-mvx_layout-pad=P ...
//
// For every eligible struct, right after its definition is parsed (before any layout is
// computed), the fields are shuffled with clang's own randstruct machinery seeded by S (and the
// struct's name), and P bytes of padding (unnamed 64-bit bit-fields, which initializers skip)
// are put between consecutive fields. With P > 0 the distance between two fields that are
// adjacent in the source always differs from the source layout's, whatever the shuffle did.
//
// The seed is handed to randstruct only for the duration of the call: passing
// -frandomize-layout-seed to clang instead would also let Sema shuffle the structs of system
// headers that consist only of function pointers (such as glibc's cookie_io_functions_t).
//
// Never changed (the layout is an ABI, or the program asked):
// - records declared in system headers (<...> and -isystem directories): kernel and library ABI;
// - unions, packed records (__attribute__((packed)), #pragma pack), records with fewer than two
//   fields, C++ records (the plugin is for C, like clang's randstruct);
// - records marked __attribute__((annotate("mvx_fixed_layout"))) (MVX_FIXED_LAYOUT in mvx.h) or
//   __attribute__((no_randomize_layout)).
// A shuffled struct can only be initialized with designated initializers (clang's error
// "a randomized struct can only be initialized with a designated initializer" says so).
#include "clang/AST/ASTConsumer.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "clang/AST/Randstruct.h"
#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendPluginRegistry.h"
#include "llvm/ADT/SmallVector.h"

#include <memory>
#include <string>

using namespace clang;

namespace {

struct LayoutOptions {
  std::string Seed;
  unsigned PadBytes = 0; // a multiple of 8
};

bool isFixedLayout(const RecordDecl *RD, const SourceManager &SM) {
  if (SM.isInSystemHeader(RD->getLocation()) || RD->isUnion() ||
      isa<CXXRecordDecl>(RD))
    return true;
  if (RD->hasAttr<PackedAttr>() || RD->hasAttr<MaxFieldAlignmentAttr>() ||
      RD->hasAttr<NoRandomizeLayoutAttr>())
    return true;
  for (const auto *A : RD->specific_attrs<AnnotateAttr>())
    if (A->getAnnotation() == "mvx_fixed_layout")
      return true;
  unsigned Fields = 0;
  for (const FieldDecl *F : RD->fields()) {
    if (F->hasAttr<PackedAttr>())
      return true;
    ++Fields;
  }
  return Fields < 2;
}

class LayoutConsumer : public ASTConsumer {
public:
  LayoutConsumer(CompilerInstance &CI, LayoutOptions Opts)
      : CI(CI), Opts(std::move(Opts)) {}

  void HandleTagDeclDefinition(TagDecl *D) override {
    auto *RD = dyn_cast<RecordDecl>(D);
    if (!RD || !RD->isCompleteDefinition() ||
        isFixedLayout(RD, CI.getSourceManager()))
      return;
    llvm::SmallVector<Decl *, 32> Order;
    if (!shuffled(RD, Order))
      return;
    if (Opts.PadBytes > 0)
      Order = padded(RD, Order);
    RD->reorderDecls(Order);
    checkFieldIndices(RD);
  }

private:
  // randstruct's order of RD's members (fields and other member declarations).
  bool shuffled(RecordDecl *RD, llvm::SmallVectorImpl<Decl *> &Order) {
    std::string &Seed = CI.getLangOpts().RandstructSeed;
    std::string Saved = Seed;
    Seed = Opts.Seed;
    bool Done =
        randstruct::randomizeStructureLayout(CI.getASTContext(), RD, Order);
    Seed = Saved;
    return Done;
  }

  // Order with PadBytes of unnamed bit-fields before every field but the first.
  llvm::SmallVector<Decl *, 32> padded(RecordDecl *RD,
                                       llvm::ArrayRef<Decl *> Order) {
    ASTContext &Ctx = CI.getASTContext();
    llvm::SmallVector<Decl *, 32> Out;
    bool SeenField = false;
    for (Decl *D : Order) {
      auto *F = dyn_cast<FieldDecl>(D);
      if (F && SeenField && !F->isBitField())
        for (unsigned i = 0; i < Opts.PadBytes / 8; ++i)
          Out.push_back(padding(Ctx, RD, F->getLocation()));
      SeenField |= F != nullptr;
      Out.push_back(D);
    }
    return Out;
  }

  static FieldDecl *padding(ASTContext &Ctx, RecordDecl *RD,
                            SourceLocation Loc) {
    QualType T = Ctx.UnsignedLongLongTy;
    Expr *Width = IntegerLiteral::Create(
        Ctx, llvm::APInt(Ctx.getIntWidth(Ctx.IntTy), 64), Ctx.IntTy, Loc);
    FieldDecl *F = FieldDecl::Create(Ctx, RD, Loc, Loc, nullptr, T,
                                     Ctx.getTrivialTypeSourceInfo(T, Loc),
                                     Width, false, ICIS_NoInit);
    F->setImplicit(true);
    F->setAccess(AS_public);
    return F;
  }

  // Layout and code generation index fields by getFieldIndex(), which caches: a stale cache
  // would silently mix the old and new layouts, so it is an error, never a miscompile.
  void checkFieldIndices(RecordDecl *RD) {
    unsigned Expected = 0;
    for (const FieldDecl *F : RD->fields()) {
      if (F->getFieldIndex() != Expected++) {
        DiagnosticsEngine &DE = CI.getDiagnostics();
        unsigned ID = DE.getCustomDiagID(
            DiagnosticsEngine::Error,
            "mvx layout: field indices of this record were computed before "
            "its fields were shuffled; mark it MVX_FIXED_LAYOUT");
        DE.Report(RD->getLocation(), ID);
        return;
      }
    }
  }

  CompilerInstance &CI;
  LayoutOptions Opts;
};

class LayoutAction : public PluginASTAction {
protected:
  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &CI,
                                                 llvm::StringRef) override {
    return std::make_unique<LayoutConsumer>(CI, Opts);
  }

  bool ParseArgs(const CompilerInstance &CI,
                 const std::vector<std::string> &Args) override {
    DiagnosticsEngine &DE = CI.getDiagnostics();
    for (const std::string &Arg : Args) {
      llvm::StringRef A(Arg);
      unsigned Pad = 0;
      if (A.consume_front("seed=") && !A.empty()) {
        Opts.Seed = A.str();
      } else if (A.consume_front("pad=") && !A.getAsInteger(10, Pad) &&
                 Pad % 8 == 0 && Pad <= 512) {
        Opts.PadBytes = Pad;
      } else {
        unsigned ID = DE.getCustomDiagID(
            DiagnosticsEngine::Error,
            "mvx layout: bad plugin argument '%0' (expected seed=TEXT or "
            "pad=BYTES, a multiple of 8 up to 512)");
        DE.Report(ID) << Arg;
        return false;
      }
    }
    if (Opts.Seed.empty()) {
      unsigned ID = DE.getCustomDiagID(
          DiagnosticsEngine::Error,
          "mvx layout: no seed (-fplugin-arg-mvx_layout-seed=TEXT)");
      DE.Report(ID);
      return false;
    }
    return true;
  }

  ActionType getActionType() override { return AddBeforeMainAction; }

private:
  LayoutOptions Opts;
};

} // namespace

static FrontendPluginRegistry::Add<LayoutAction>
    X("mvx_layout", "per-variant struct layout (field order and padding)");
