#include "service/subject.h"

#include <gtest/gtest.h>

namespace roseyd::service {
namespace {

TEST(SubjectTest, ParsesEveryProtocolSubjectUnderThePrefix) {
  for (Subject s : AllSubjects()) {
    const std::string full = "rosey.db." + std::string(SubjectSuffix(s));
    ASSERT_EQ(ParseSubject("rosey.db", full), s) << full;
  }
}

TEST(SubjectTest, RejectsOtherSubjects) {
  EXPECT_FALSE(ParseSubject("rosey.db", "rosey.db.user.joine"));
  EXPECT_FALSE(ParseSubject("rosey.db", "rosey.dbx.user.joined"));
  EXPECT_FALSE(ParseSubject("rosey.db", "rosey.db"));
  EXPECT_FALSE(ParseSubject("rosey.db", "other.user.joined"));
}

TEST(SubjectTest, HonoursACustomPrefix) {
  EXPECT_EQ(ParseSubject("test.x", "test.x.query.user_stats"), Subject::kUserStats);
}

TEST(SubjectTest, RequestsAreTheFourQuerySubjects) {
  int requests = 0;
  for (Subject s : AllSubjects()) requests += IsRequest(s) ? 1 : 0;
  EXPECT_EQ(requests, 4);
  EXPECT_TRUE(IsRequest(Subject::kUserStats));
  EXPECT_FALSE(IsRequest(Subject::kPmCommand));
}

}  // namespace
}  // namespace roseyd::service
