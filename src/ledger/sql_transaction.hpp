#pragma once
// Runs `work` in one write transaction: committed when it returns, rolled back when it throws.
#include "ledger/database.hpp"

namespace ar::ledger {

template <typename Work>
void in_transaction(Database& db, Work&& work) {
  db.begin();
  try {
    work();
    db.commit();
  } catch (...) {
    db.rollback();
    throw;
  }
}

}  // namespace ar::ledger
