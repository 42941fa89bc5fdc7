#pragma once

#include <gtest/gtest.h>

#include "base/status.h"

// leveldb util/testutil.h style: print the Status when it is not OK. Each
// evaluates `expr` once: a second Push or Publish on failure would hide the bug.
#define EXPECT_OK(expr)                                  \
  do {                                                   \
    const ::roseyd::Status _st = (expr);                 \
    EXPECT_TRUE(_st.ok()) << _st.ToString();             \
  } while (0)
#define ASSERT_OK(expr)                                  \
  do {                                                   \
    const ::roseyd::Status _st = (expr);                 \
    ASSERT_TRUE(_st.ok()) << _st.ToString();             \
  } while (0)
