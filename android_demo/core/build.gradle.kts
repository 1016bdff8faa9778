// The platform-free streaming core: plain Kotlin/JVM, no Android imports (org.json is Android's own at run time).
// Off Android it is compiled and tested by ./run-tests (kotlinc + JUnit), which CI runs.
plugins {
    kotlin("jvm")
}

kotlin { jvmToolchain(17) }

sourceSets {
    main { kotlin.srcDir("src/main/kotlin") }
    test { kotlin.srcDir("src/test/kotlin") }
}

dependencies {
    compileOnly("org.json:json:20231013")          // provided by Android
    testImplementation("org.json:json:20231013")
    testImplementation("junit:junit:4.13.2")
}

tasks.test { systemProperty("f3edge.golden", rootDir.resolve("../tests/golden").absolutePath) }
