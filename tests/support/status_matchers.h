#pragma once

#include <gtest/gtest.h>

#include "base/status.h"

// leveldb util/testutil.h style: print the Status when it is not OK.
#define EXPECT_OK(expr) EXPECT_TRUE((expr).ok()) << (expr).ToString()
#define ASSERT_OK(expr)                                  \
  do {                                                   \
    const ::roseyd::Status _st = (expr);                 \
    ASSERT_TRUE(_st.ok()) << _st.ToString();             \
  } while (0)
