// The mvx clang plugin: lowers the I-MVX pragmas into calls of the sync runtime.
//
//   #pragma mvx sync before
//   RAND_bytes(buf, lengths[testnum]);
//   #pragma mvx sync after data(buf, lengths[testnum], char*)
//
// becomes, in the token stream,
//
//   extern void mvx_sync_op_before(unsigned long long); mvx_sync_op_before(ID);
//   ...
//   extern void mvx_sync_op_after(unsigned long long, void *, unsigned long);
//   mvx_sync_op_after(ID, (void *)(buf), (unsigned long)(lengths[testnum]) * sizeof(char*));
//
// ID hashes the file name and line of the `after` pragma (the record's id), the same in every
// variant and at every -O level. The leading `extern` declaration makes a pragma that stands as
// the bare body of an if/for/while a compile error instead of a silent change of meaning (a
// declaration cannot be such a body in C). Every injected token has a real spelling, so -E
// output compiles again.
#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/FrontendPluginRegistry.h"
#include "clang/Lex/Pragma.h"
#include "clang/Lex/Preprocessor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

using namespace clang;

namespace {

uint64_t siteId(Preprocessor &PP, SourceLocation Loc) {
  PresumedLoc P = PP.getSourceManager().getPresumedLoc(Loc);
  uint64_t h = 0xcbf29ce484222325ull;
  for (const char *c = P.isValid() ? P.getFilename() : ""; *c; ++c) {
    h ^= static_cast<unsigned char>(*c);
    h *= 0x100000001b3ull;
  }
  h ^= static_cast<uint64_t>(P.isValid() ? P.getLine() : 0) << 32;
  return h * 0x100000001b3ull;
}

class TokenWriter {
public:
  TokenWriter(Preprocessor &PP, SourceLocation Loc) : PP(PP), Loc(Loc) {}

  void ident(const char *Name) {
    Token T;
    T.startToken();
    T.setKind(tok::identifier);
    T.setIdentifierInfo(PP.getIdentifierInfo(Name));
    T.setLength(std::string(Name).size());
    PP.CreateString(Name, T, Loc, Loc);
    T.setIdentifierInfo(PP.getIdentifierInfo(Name));
    push(T);
  }
  void keyword(const char *Name, tok::TokenKind Kind) {
    ident(Name);
    Toks.back().setKind(Kind);
  }
  // Punctuators get their spelling in the scratch buffer, so -E prints them right.
  void punct(tok::TokenKind Kind) {
    const char *Spelling = tok::getPunctuatorSpelling(Kind);
    Token T;
    T.startToken();
    T.setKind(Kind);
    T.setLength(std::string(Spelling).size());
    PP.CreateString(Spelling, T, Loc, Loc);
    push(T);
  }
  void number(uint64_t V) {
    std::string S = std::to_string(V) + "ull";
    Token T;
    T.startToken();
    T.setKind(tok::numeric_constant);
    T.setLength(S.size());
    PP.CreateString(S, T, Loc, Loc);
    push(T);
  }
  void push(Token T) {
    T.setFlag(Token::LeadingSpace);
    Toks.push_back(T);
  }
  void copy(const std::vector<Token> &From) {
    Toks.insert(Toks.end(), From.begin(), From.end());
  }
  void inject() {
    auto Buf = std::make_unique<Token[]>(Toks.size());
    for (size_t i = 0; i < Toks.size(); ++i)
      Buf[i] = Toks[i];
    PP.EnterTokenStream(std::move(Buf), Toks.size(), /*DisableMacroExpansion=*/false,
                        /*IsReinject=*/false);
  }

private:
  Preprocessor &PP;
  SourceLocation Loc;
  std::vector<Token> Toks;
};

class MvxPragmaHandler : public PragmaHandler {
public:
  MvxPragmaHandler() : PragmaHandler("mvx") {}

  void HandlePragma(Preprocessor &PP, PragmaIntroducer Introducer, Token &MvxTok) override {
    SourceLocation Loc = MvxTok.getLocation();
    Token T;
    PP.Lex(T);
    if (!isIdent(T, "sync"))
      return fail(PP, T, "expected 'sync' after '#pragma mvx'");
    PP.Lex(T);
    if (isIdent(T, "before")) {
      PP.Lex(T);
      if (!T.is(tok::eod))
        return fail(PP, T, "'#pragma mvx sync before' takes no arguments");
      TokenWriter W(PP, Loc);
      declare(W, "mvx_sync_op_before", false);
      W.ident("mvx_sync_op_before");
      W.punct(tok::l_paren);
      W.number(siteId(PP, Loc));
      W.punct(tok::r_paren);
      W.punct(tok::semi);
      W.inject();
      return;
    }
    if (!isIdent(T, "after"))
      return fail(PP, T, "expected 'before' or 'after' after '#pragma mvx sync'");
    PP.Lex(T);
    if (!isIdent(T, "data"))
      return fail(PP, T, "expected 'data(buffer, count, element type)' after '#pragma mvx sync after'");
    PP.Lex(T);
    if (!T.is(tok::l_paren))
      return fail(PP, T, "expected '(' after 'data'");
    std::vector<std::vector<Token>> Args(1);
    int Depth = 0;
    for (;;) {
      PP.Lex(T);
      if (T.is(tok::eod))
        return fail(PP, T, "unterminated 'data(' in '#pragma mvx sync after'");
      if (T.isOneOf(tok::l_paren, tok::l_square, tok::l_brace))
        ++Depth;
      if (T.isOneOf(tok::r_paren, tok::r_square, tok::r_brace)) {
        if (Depth == 0)
          break;
        --Depth;
      }
      if (T.is(tok::comma) && Depth == 0) {
        Args.emplace_back();
        continue;
      }
      Args.back().push_back(T);
    }
    if (Args.size() != 3 || Args[0].empty() || Args[1].empty() || Args[2].empty())
      return fail(PP, T,
                  "'data' takes three arguments: the buffer, the number of elements, and the element "
                  "type, e.g. data(buf, n, char)");
    PP.Lex(T);
    if (!T.is(tok::eod))
      return fail(PP, T, "unexpected tokens after 'data(...)'");
    TokenWriter W(PP, Loc);
    declare(W, "mvx_sync_op_after", true);
    W.ident("mvx_sync_op_after");
    W.punct(tok::l_paren);
    W.number(siteId(PP, Loc));
    W.punct(tok::comma);
    W.punct(tok::l_paren);
    W.keyword("void", tok::kw_void);
    W.punct(tok::star);
    W.punct(tok::r_paren);
    W.punct(tok::l_paren);
    W.copy(Args[0]);
    W.punct(tok::r_paren);
    W.punct(tok::comma);
    W.punct(tok::l_paren);
    W.keyword("unsigned", tok::kw_unsigned);
    W.keyword("long", tok::kw_long);
    W.punct(tok::r_paren);
    W.punct(tok::l_paren);
    W.copy(Args[1]);
    W.punct(tok::r_paren);
    W.punct(tok::star);
    W.keyword("sizeof", tok::kw_sizeof);
    W.punct(tok::l_paren);
    W.copy(Args[2]);
    W.punct(tok::r_paren);
    W.punct(tok::r_paren);
    W.punct(tok::semi);
    W.inject();
  }

private:
  static bool isIdent(const Token &T, const char *Name) {
    return T.is(tok::identifier) && T.getIdentifierInfo()->getName() == Name;
  }

  // extern void NAME(unsigned long long[, void *, unsigned long]);
  static void declare(TokenWriter &W, const char *Name, bool After) {
    W.keyword("extern", tok::kw_extern);
    W.keyword("void", tok::kw_void);
    W.ident(Name);
    W.punct(tok::l_paren);
    W.keyword("unsigned", tok::kw_unsigned);
    W.keyword("long", tok::kw_long);
    W.keyword("long", tok::kw_long);
    if (After) {
      W.punct(tok::comma);
      W.keyword("void", tok::kw_void);
      W.punct(tok::star);
      W.punct(tok::comma);
      W.keyword("unsigned", tok::kw_unsigned);
      W.keyword("long", tok::kw_long);
    }
    W.punct(tok::r_paren);
    W.punct(tok::semi);
  }

  static void fail(Preprocessor &PP, const Token &At, const char *Msg) {
    DiagnosticsEngine &D = PP.getDiagnostics();
    unsigned Id = D.getCustomDiagID(DiagnosticsEngine::Error, "mvx: %0");
    D.Report(At.getLocation(), Id) << Msg;
    Token T = At;
    while (!T.is(tok::eod))
      PP.Lex(T);
  }
};

} // namespace

static PragmaHandlerRegistry::Add<MvxPragmaHandler> X("mvx", "the I-MVX sync pragmas");
