# The scheduler's protocol, model-checked with spin (tests/model.sh).
find_program(SPIN spin)
if(SPIN)
  add_test(NAME model_sched COMMAND ${CMAKE_CURRENT_LIST_DIR}/model.sh
           ${CMAKE_SOURCE_DIR}/runtime/src/rt/sched.pml)
else()
  act_test_left_out("the scheduler model (model_sched)" "spin")
endif()
