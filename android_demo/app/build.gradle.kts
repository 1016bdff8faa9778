plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "org.f3edge.demo"
    compileSdk = 34
    defaultConfig {
        applicationId = "org.f3edge.demo"
        minSdk = 26
        targetSdk = 34
        versionCode = 1
        versionName = "0.1.0"
        ndk { abiFilters += listOf("arm64-v8a", "x86_64") }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
    // .pte files are memory-mapped by ExecuTorch: keep them uncompressed in the APK
    androidResources { noCompress += listOf("pte", "tflite") }
}

dependencies {
    implementation(project(":core"))
    implementation("org.pytorch:executorch-android:${property("executorchVersion")}")
    implementation("com.google.ai.edge.litert:litert:${property("litertVersion")}")
    implementation("com.facebook.fbjni:fbjni:0.5.1")
    implementation("com.facebook.soloader:soloader:0.10.5")
}
